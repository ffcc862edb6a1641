-- On-call and paging: overrides on the plan's schedules, people's
-- notification rules, pages (with the escalation policy as it was when they
-- were raised, and their history), the outbox of deliveries with every
-- attempt, one-time links already used, signing keys and the engine leases.

CREATE TABLE schedule_overrides (
    override_id UUID PRIMARY KEY NOT NULL,
    schedule    TEXT NOT NULL,
    user_email  TEXT NOT NULL,
    replaces    TEXT,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    note        TEXT NOT NULL,
    created_by  UUID NOT NULL REFERENCES users (user_id),
    created_at  BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX schedule_overrides_schedule ON schedule_overrides (schedule, ends_at);

CREATE TABLE user_notification_rules (
    user_id  UUID NOT NULL REFERENCES users (user_id),
    position BIGINT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('email', 'sms', 'voice', 'push', 'chat')),
    after_ms BIGINT NOT NULL CHECK (after_ms >= 0),
    PRIMARY KEY (user_id, position)
);

-- Pages are numbered by a sequence, not the counters row incidents use:
-- an alert storm raises hundreds of pages a second, and a counter row stays
-- locked to its transaction's commit, so every page would wait for the one
-- before it. A sequence never repeats a number; a page whose write fails
-- leaves a gap, which a page number (unlike an incident's) can afford.
CREATE SEQUENCE page_numbers AS BIGINT START 1;

CREATE TABLE pages (
    page_id         UUID PRIMARY KEY NOT NULL,
    number          BIGINT NOT NULL UNIQUE,
    target_kind     TEXT NOT NULL
        CHECK (target_kind IN ('user', 'team', 'service', 'functionality', 'schedule')),
    target_name     TEXT NOT NULL,
    summary         TEXT NOT NULL,
    details         TEXT NOT NULL,
    incident_id     UUID REFERENCES incidents (incident_id),
    drill           BOOLEAN NOT NULL,
    team            TEXT,
    policy_name     TEXT,
    policy_repeat   BIGINT NOT NULL CHECK (policy_repeat >= 0),
    status          TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
    triggered_at    BIGINT NOT NULL,
    triggered_by    UUID REFERENCES users (user_id),
    acknowledged_at BIGINT,
    acknowledged_by UUID REFERENCES users (user_id),
    resolved_at     BIGINT,
    resolved_by     UUID REFERENCES users (user_id),
    fired           BIGINT NOT NULL CHECK (fired >= 0),
    next_due_at     BIGINT,
    version         BIGINT NOT NULL
);
CREATE INDEX pages_due ON pages (next_due_at) WHERE status = 'triggered' AND next_due_at IS NOT NULL;
CREATE INDEX pages_incident ON pages (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX pages_status ON pages (status, number);

-- The policy as it was when the page was raised: later plan changes do not
-- rewrite a page that is already escalating. Targets: one `kind:name` a line.
CREATE TABLE page_steps (
    page_id  UUID NOT NULL REFERENCES pages (page_id),
    step     BIGINT NOT NULL,
    delay_ms BIGINT NOT NULL CHECK (delay_ms >= 0),
    targets  TEXT NOT NULL,
    PRIMARY KEY (page_id, step)
);

CREATE TABLE page_events (
    event_id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_id   UUID NOT NULL REFERENCES pages (page_id),
    at        BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    actor_id  UUID REFERENCES users (user_id),
    recipient TEXT,
    sink      TEXT,
    detail    TEXT NOT NULL
);
CREATE INDEX page_events_page ON page_events (page_id, at);
CREATE INDEX page_events_recipient ON page_events (recipient) WHERE recipient IS NOT NULL;

CREATE TABLE deliveries (
    delivery_id      UUID PRIMARY KEY NOT NULL,
    page_id          UUID REFERENCES pages (page_id),
    firing           BIGINT,
    recipient        TEXT NOT NULL,
    user_id          UUID REFERENCES users (user_id),
    sink             TEXT NOT NULL CHECK (sink IN ('email', 'webhook', 'slack', 'mattermost',
                         'teams', 'matrix', 'ntfy', 'twilio_sms', 'twilio_voice')),
    address          TEXT NOT NULL,
    event            TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    summary          TEXT NOT NULL,
    page_number      BIGINT,
    incident_number  BIGINT,
    incident_title   TEXT,
    severity         TEXT,
    drill            BOOLEAN NOT NULL,
    link             TEXT,
    ack_url          TEXT,
    resolve_url      TEXT,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    due_at           BIGINT NOT NULL,
    attempts         BIGINT NOT NULL CHECK (attempts >= 0),
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX deliveries_pending ON deliveries (due_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_expires_at) WHERE status = 'sending';
CREATE INDEX deliveries_page ON deliveries (page_id, firing, recipient);

CREATE TABLE delivery_attempts (
    delivery_id UUID NOT NULL REFERENCES deliveries (delivery_id),
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    node        TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'retryable', 'permanent')),
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- Digests of one-time links already used: each works once.
CREATE TABLE used_links (
    digest  BYTEA PRIMARY KEY NOT NULL,
    used_at BIGINT NOT NULL
);

-- Keys every node signs one-time links with.
CREATE TABLE signing_keys (
    name       TEXT PRIMARY KEY NOT NULL,
    key        BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- The nodes running an engine, each renewing its lease (informational on
-- PostgreSQL, where several nodes share the work).
CREATE TABLE engine_leases (
    module     TEXT PRIMARY KEY NOT NULL,
    owner      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
