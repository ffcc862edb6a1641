-- Acting on alerts: routing is the engine's, level-triggered. An alert is
-- pending while its latest change (`route_seq`, bumped on creation and on
-- every status change) is not acted on (`routed_seq`), or once the silence
-- that held it lapses (`silenced_until`). Groups gather one storm's alerts
-- so it pages once; silences hold alerts quiet, stored and visible.

ALTER TABLE alerts ADD COLUMN route_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN routed_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN group_id UUID;
-- "Why did this page?": the routing decision, as JSON.
ALTER TABLE alerts ADD COLUMN decision TEXT;
ALTER TABLE alerts ADD COLUMN silenced_by UUID;
ALTER TABLE alerts ADD COLUMN silenced_until BIGINT;
-- Alerts stored before routing existed were never meant to page.
UPDATE alerts SET routed_seq = route_seq;
CREATE INDEX alerts_pending ON alerts (first_seen) WHERE routed_seq < route_seq;
CREATE INDEX alerts_silenced ON alerts (silenced_until) WHERE silenced_until IS NOT NULL;
CREATE INDEX alerts_group ON alerts (group_id) WHERE group_id IS NOT NULL;

CREATE TABLE alert_groups (
    group_id            UUID PRIMARY KEY NOT NULL,
    integration_id      UUID NOT NULL REFERENCES integrations (integration_id),
    group_key           TEXT NOT NULL,
    opened_at           BIGINT NOT NULL,
    last_alert_at       BIGINT NOT NULL,
    effect              TEXT NOT NULL,
    page_id             UUID REFERENCES pages (page_id),
    incident_id         UUID REFERENCES incidents (incident_id),
    mitigate_on_resolve BOOLEAN NOT NULL,
    follow_up_due       BOOLEAN NOT NULL,
    version             BIGINT NOT NULL
);
CREATE INDEX alert_groups_key ON alert_groups (integration_id, group_key, opened_at);
CREATE INDEX alert_groups_follow_up ON alert_groups (last_alert_at) WHERE follow_up_due;

CREATE TABLE silences (
    silence_id UUID PRIMARY KEY NOT NULL,
    -- A JSON list of matchers in Alertmanager's syntax.
    matchers   TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    -- JSON: the zone and weekly local windows; NULL for a one-off silence.
    recurrence TEXT,
    comment    TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users (user_id),
    created_at BIGINT NOT NULL
);
CREATE INDEX silences_current ON silences (ends_at);
