-- A group's follow-up counts the alerts of the other groups its incident
-- follows (alerts attached by hand add groups to an incident): this index
-- finds an incident's groups without reading every group.
CREATE INDEX alert_groups_incident ON alert_groups (incident_id) WHERE incident_id IS NOT NULL;
