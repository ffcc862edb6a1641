-- Alert ingestion: integrations (a source with its hashed key, bound to a
-- service or team) and the deduplicated alerts their signals make.

CREATE TABLE integrations (
    integration_id UUID PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL
        CHECK (kind IN ('alertmanager', 'grafana', 'pagerduty_events', 'generic', 'heartbeat')),
    service        TEXT,
    team           TEXT,
    -- SHA-256 of the key: the key is shown once and never stored.
    key_digest     BYTEA NOT NULL UNIQUE,
    config         TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    created_by     UUID NOT NULL REFERENCES users (user_id)
);

CREATE TABLE alerts (
    alert_id        UUID PRIMARY KEY NOT NULL,
    integration_id  UUID NOT NULL REFERENCES integrations (integration_id),
    dedup_key       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
    summary         TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('critical', 'error', 'warning', 'info')),
    source          TEXT NOT NULL,
    labels          TEXT NOT NULL,
    annotations     TEXT NOT NULL,
    links           TEXT NOT NULL,
    group_key       TEXT,
    started_at      BIGINT NOT NULL,
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    occurrences     BIGINT NOT NULL CHECK (occurrences >= 1),
    acknowledged_at BIGINT,
    resolved_at     BIGINT,
    version         BIGINT NOT NULL
);
-- At most one open alert per key: a repeat can never make a second.
CREATE UNIQUE INDEX alerts_open_key ON alerts (integration_id, dedup_key) WHERE status <> 'resolved';
CREATE INDEX alerts_key ON alerts (integration_id, dedup_key, first_seen);
CREATE INDEX alerts_recent ON alerts (last_seen);
