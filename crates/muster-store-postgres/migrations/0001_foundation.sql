-- Users, credentials and incidents: the foundation every later capability builds on.
-- Instants are epoch milliseconds (BIGINT), like the SQLite backend, so both store
-- and compare the same numbers; ids are UUIDv7.

CREATE TABLE users (
    user_id       UUID PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'responder', 'viewer')),
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE api_tokens (
    token_id   UUID PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (user_id),
    name       TEXT NOT NULL,
    digest     BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE sessions (
    digest     BYTEA PRIMARY KEY NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (user_id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- At most one live bootstrap secret: a new start replaces it.
CREATE TABLE bootstrap_secrets (
    singleton  INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    digest     BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Gap-free human numbers (INC-1, INC-2, ...): allocated in the inserting transaction.
-- A sequence would leave gaps on rollback; a counter row locked by the UPDATE does not.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident_number', 0);

CREATE TABLE incidents (
    incident_id     UUID PRIMARY KEY NOT NULL,
    number          BIGINT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    impact          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL
        CHECK (status IN ('active', 'acknowledged', 'mitigated', 'resolved', 'closed')),
    drill           BOOLEAN NOT NULL,
    private         BOOLEAN NOT NULL,
    declared_by     UUID NOT NULL REFERENCES users (user_id),
    started_at      BIGINT,
    detected_at     BIGINT,
    acknowledged_at BIGINT,
    mitigated_at    BIGINT,
    resolved_at     BIGINT,
    closed_at       BIGINT,
    version         BIGINT NOT NULL,
    declared_at     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX incidents_status ON incidents (status, number);
CREATE INDEX incidents_declared_at ON incidents (declared_at);

CREATE TABLE incident_tags (
    incident_id UUID NOT NULL REFERENCES incidents (incident_id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (incident_id, tag)
);
CREATE INDEX incident_tags_tag ON incident_tags (tag);

CREATE TABLE incident_roles (
    incident_id UUID NOT NULL REFERENCES incidents (incident_id),
    role        TEXT NOT NULL,
    user_id     UUID NOT NULL REFERENCES users (user_id),
    PRIMARY KEY (incident_id, role)
);

CREATE TABLE incident_participants (
    incident_id UUID NOT NULL REFERENCES incidents (incident_id),
    user_id     UUID NOT NULL REFERENCES users (user_id),
    joined_at   BIGINT NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_participants_user_id ON incident_participants (user_id);

CREATE TABLE tasks (
    task_id     UUID PRIMARY KEY NOT NULL,
    incident_id UUID NOT NULL REFERENCES incidents (incident_id),
    title       TEXT NOT NULL,
    assignee_id UUID REFERENCES users (user_id),
    done_at     BIGINT,
    created_by  UUID NOT NULL REFERENCES users (user_id),
    created_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX tasks_incident_id ON tasks (incident_id, created_at);

-- Append-only. `sequence` orders the entries.
CREATE TABLE timeline_entries (
    sequence    BIGSERIAL PRIMARY KEY,
    entry_id    UUID NOT NULL UNIQUE,
    incident_id UUID NOT NULL REFERENCES incidents (incident_id),
    occurred_at BIGINT NOT NULL,
    actor_id    UUID REFERENCES users (user_id),
    kind        TEXT NOT NULL,
    subject     TEXT,
    old_value   TEXT,
    new_value   TEXT,
    text        TEXT,
    user_id     UUID,
    task_id     UUID
);
CREATE INDEX timeline_entries_incident ON timeline_entries (incident_id, sequence);
