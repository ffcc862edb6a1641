-- The public status page's projection: what customers may see, and only that.

-- One counter every status-page write bumps: nodes serving the page poll it.
CREATE TABLE status_page_revision (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    revision  BIGINT NOT NULL
);
INSERT INTO status_page_revision (singleton, revision) VALUES (1, 0);

-- A component's own state; its name, group and functionality are the plan's.
CREATE TABLE status_components (
    component   TEXT PRIMARY KEY,
    set_by_hand TEXT CHECK (set_by_hand IN ('operational', 'degraded_performance',
                    'partial_outage', 'major_outage', 'under_maintenance')),
    verified_at BIGINT,
    updated_at  BIGINT NOT NULL
);

-- An incident's published face, one JSON document read and written whole.
CREATE TABLE public_incidents (
    public_id   UUID PRIMARY KEY,
    incident_id UUID NOT NULL UNIQUE REFERENCES incidents (incident_id),
    document    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE maintenances (
    maintenance_id UUID PRIMARY KEY,
    document       TEXT NOT NULL,
    version        BIGINT NOT NULL,
    starts_at      BIGINT NOT NULL,
    -- When the engine looks next (reminder, start, end); NULL once told done.
    next_look_at   BIGINT,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX maintenances_next_look ON maintenances (next_look_at)
    WHERE next_look_at IS NOT NULL;

-- Only the digests of the confirmation and unsubscribe tokens are kept.
CREATE TABLE status_subscribers (
    subscriber_id      UUID PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    address            TEXT NOT NULL,
    components         TEXT NOT NULL,
    confirmed_at       BIGINT,
    created_at         BIGINT NOT NULL,
    confirm_digest     BYTEA UNIQUE,
    unsubscribe_digest BYTEA NOT NULL UNIQUE,
    signing_secret     TEXT,
    failing_since      BIGINT,
    last_error         TEXT,
    disabled_at        BIGINT,
    disabled_reason    TEXT,
    UNIQUE (kind, address)
);

-- Status-page mail carries its one-click unsubscribe link (List-Unsubscribe).
ALTER TABLE deliveries ADD COLUMN unsubscribe_url TEXT;
