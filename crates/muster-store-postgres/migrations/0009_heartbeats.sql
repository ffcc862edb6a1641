-- Heartbeats: the last beat of each heartbeat integration. The engine
-- raises an alert when one is overdue (last beat, or the integration's
-- creation, plus its interval and grace, from the integration's config).

CREATE TABLE heartbeats (
    integration_id UUID PRIMARY KEY NOT NULL REFERENCES integrations (integration_id),
    last_beat_at   BIGINT NOT NULL,
    beats          BIGINT NOT NULL CHECK (beats >= 1)
);
