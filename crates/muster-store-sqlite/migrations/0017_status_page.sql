-- The public status page's projection: what customers may see, and only that.

-- One counter every status-page write bumps: nodes serving the page poll it.
CREATE TABLE status_page_revision (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    revision  INTEGER NOT NULL
);
INSERT INTO status_page_revision (singleton, revision) VALUES (1, 0);

-- A component's own state; its name, group and functionality are the plan's.
CREATE TABLE status_components (
    component   TEXT PRIMARY KEY,
    set_by_hand TEXT CHECK (set_by_hand IN ('operational', 'degraded_performance',
                    'partial_outage', 'major_outage', 'under_maintenance')),
    verified_at INTEGER,
    updated_at  INTEGER NOT NULL
);

-- An incident's published face, one JSON document read and written whole.
CREATE TABLE public_incidents (
    public_id   TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL UNIQUE REFERENCES incidents (incident_id),
    document    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE maintenances (
    maintenance_id TEXT PRIMARY KEY,
    document       TEXT NOT NULL,
    version        INTEGER NOT NULL,
    starts_at      INTEGER NOT NULL,
    -- When the engine looks next (reminder, start, end); NULL once told done.
    next_look_at   INTEGER,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX maintenances_next_look ON maintenances (next_look_at)
    WHERE next_look_at IS NOT NULL;

-- Only the digests of the confirmation and unsubscribe tokens are kept.
CREATE TABLE status_subscribers (
    subscriber_id      TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    address            TEXT NOT NULL,
    components         TEXT NOT NULL,
    confirmed_at       INTEGER,
    created_at         INTEGER NOT NULL,
    confirm_digest     BLOB UNIQUE,
    unsubscribe_digest BLOB NOT NULL UNIQUE,
    signing_secret     TEXT,
    failing_since      INTEGER,
    last_error         TEXT,
    disabled_at        INTEGER,
    disabled_reason    TEXT,
    UNIQUE (kind, address)
);

-- Status-page mail carries its one-click unsubscribe link (List-Unsubscribe).
ALTER TABLE deliveries ADD COLUMN unsubscribe_url TEXT;
