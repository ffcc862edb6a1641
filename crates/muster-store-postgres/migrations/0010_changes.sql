-- Change events (PagerDuty's /v2/change/enqueue: a deploy, a config push):
-- what changed on a service, on its timeline, for "what changed before it
-- broke?". Not alerts: they page no one.

CREATE TABLE changes (
    change_id      UUID PRIMARY KEY NOT NULL,
    integration_id UUID NOT NULL REFERENCES integrations (integration_id),
    service        TEXT,
    team           TEXT,
    summary        TEXT NOT NULL,
    source         TEXT NOT NULL,
    -- When it happened, as the sender says (else when it arrived).
    happened_at    BIGINT NOT NULL,
    -- custom_details as JSON.
    details        TEXT NOT NULL,
    links          TEXT NOT NULL,
    received_at    BIGINT NOT NULL
);
CREATE INDEX changes_service ON changes (service, happened_at);
CREATE INDEX changes_recent ON changes (happened_at);
