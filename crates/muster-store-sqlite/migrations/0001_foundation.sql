-- Users, credentials and incidents: the foundation every later capability builds on.
-- Instants are epoch milliseconds; ids are UUIDv7 in canonical text form.

CREATE TABLE users (
    user_id       TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'responder', 'viewer')),
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE api_tokens (
    token_id   TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    name       TEXT NOT NULL,
    digest     BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE sessions (
    digest     BLOB PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- At most one live bootstrap secret: a new start replaces it.
CREATE TABLE bootstrap_secrets (
    singleton  INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    digest     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Gap-free human numbers (INC-1, INC-2, ...): allocated in the inserting transaction.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident_number', 0);

CREATE TABLE incidents (
    incident_id     TEXT PRIMARY KEY NOT NULL,
    number          INTEGER NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    impact          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL
        CHECK (status IN ('active', 'acknowledged', 'mitigated', 'resolved', 'closed')),
    drill           INTEGER NOT NULL CHECK (drill IN (0, 1)),
    private         INTEGER NOT NULL CHECK (private IN (0, 1)),
    declared_by     TEXT NOT NULL REFERENCES users (user_id),
    started_at      INTEGER,
    detected_at     INTEGER,
    acknowledged_at INTEGER,
    mitigated_at    INTEGER,
    resolved_at     INTEGER,
    closed_at       INTEGER,
    version         INTEGER NOT NULL,
    declared_at     INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX incidents_status ON incidents (status, number);
CREATE INDEX incidents_declared_at ON incidents (declared_at);

CREATE TABLE incident_tags (
    incident_id TEXT NOT NULL REFERENCES incidents (incident_id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (incident_id, tag)
);
CREATE INDEX incident_tags_tag ON incident_tags (tag);

CREATE TABLE incident_roles (
    incident_id TEXT NOT NULL REFERENCES incidents (incident_id),
    role        TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (user_id),
    PRIMARY KEY (incident_id, role)
);

CREATE TABLE incident_participants (
    incident_id TEXT NOT NULL REFERENCES incidents (incident_id),
    user_id     TEXT NOT NULL REFERENCES users (user_id),
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_participants_user_id ON incident_participants (user_id);

CREATE TABLE tasks (
    task_id     TEXT PRIMARY KEY NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (incident_id),
    title       TEXT NOT NULL,
    assignee_id TEXT REFERENCES users (user_id),
    done_at     INTEGER,
    created_by  TEXT NOT NULL REFERENCES users (user_id),
    created_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
);
CREATE INDEX tasks_incident_id ON tasks (incident_id, created_at);

-- Append-only. `sequence` orders the entries.
CREATE TABLE timeline_entries (
    sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id    TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL REFERENCES incidents (incident_id),
    occurred_at INTEGER NOT NULL,
    actor_id    TEXT REFERENCES users (user_id),
    kind        TEXT NOT NULL,
    subject     TEXT,
    old_value   TEXT,
    new_value   TEXT,
    text        TEXT,
    user_id     TEXT,
    task_id     TEXT
);
CREATE INDEX timeline_entries_incident ON timeline_entries (incident_id, sequence);
