-- What an incident touches in the catalog, as assessed when it was declared.
-- Deliberately not tied to the catalog tables: the incident keeps its record
-- even when a service or team is later renamed or removed.
CREATE TABLE incident_affected (
    incident_id UUID NOT NULL REFERENCES incidents (incident_id),
    kind        TEXT NOT NULL CHECK (kind IN ('service', 'functionality', 'team')),
    slug        TEXT NOT NULL,
    criticality TEXT CHECK (criticality IN ('hard', 'soft')),
    PRIMARY KEY (incident_id, kind, slug)
);
