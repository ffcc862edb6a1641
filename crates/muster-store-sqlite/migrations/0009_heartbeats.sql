-- Heartbeats: the last beat of each heartbeat integration. The engine
-- raises an alert when one is overdue (last beat, or the integration's
-- creation, plus its interval and grace, from the integration's config).

CREATE TABLE heartbeats (
    integration_id TEXT PRIMARY KEY NOT NULL REFERENCES integrations (integration_id),
    last_beat_at   INTEGER NOT NULL,
    beats          INTEGER NOT NULL CHECK (beats >= 1)
);
