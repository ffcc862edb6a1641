-- Acting on alerts: routing is the engine's, level-triggered. An alert is
-- pending while its latest change (`route_seq`, bumped on creation and on
-- every status change) is not acted on (`routed_seq`), or once the silence
-- that held it lapses (`silenced_until`). Groups gather one storm's alerts
-- so it pages once; silences hold alerts quiet, stored and visible.

ALTER TABLE alerts ADD COLUMN route_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN routed_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN group_id TEXT;
-- "Why did this page?": the routing decision, as JSON.
ALTER TABLE alerts ADD COLUMN decision TEXT;
ALTER TABLE alerts ADD COLUMN silenced_by TEXT;
ALTER TABLE alerts ADD COLUMN silenced_until INTEGER;
-- Alerts stored before routing existed were never meant to page.
UPDATE alerts SET routed_seq = route_seq;
CREATE INDEX alerts_pending ON alerts (first_seen) WHERE routed_seq < route_seq;
CREATE INDEX alerts_silenced ON alerts (silenced_until) WHERE silenced_until IS NOT NULL;
CREATE INDEX alerts_group ON alerts (group_id) WHERE group_id IS NOT NULL;

CREATE TABLE alert_groups (
    group_id            TEXT PRIMARY KEY NOT NULL,
    integration_id      TEXT NOT NULL REFERENCES integrations (integration_id),
    group_key           TEXT NOT NULL,
    opened_at           INTEGER NOT NULL,
    last_alert_at       INTEGER NOT NULL,
    effect              TEXT NOT NULL,
    page_id             TEXT REFERENCES pages (page_id),
    incident_id         TEXT REFERENCES incidents (incident_id),
    mitigate_on_resolve INTEGER NOT NULL,
    follow_up_due       INTEGER NOT NULL,
    version             INTEGER NOT NULL
);
CREATE INDEX alert_groups_key ON alert_groups (integration_id, group_key, opened_at);
CREATE INDEX alert_groups_follow_up ON alert_groups (last_alert_at) WHERE follow_up_due;

CREATE TABLE silences (
    silence_id TEXT PRIMARY KEY NOT NULL,
    -- A JSON list of matchers in Alertmanager's syntax.
    matchers   TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    -- JSON: the zone and weekly local windows; NULL for a one-off silence.
    recurrence TEXT,
    comment    TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (user_id),
    created_at INTEGER NOT NULL
);
CREATE INDEX silences_current ON silences (ends_at);
