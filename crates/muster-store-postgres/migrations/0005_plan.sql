-- The running plan: every applied document that is not a catalog entry
-- (the catalog tables hold teams, services and functionalities), each apply
-- that changed something with the files it came from, and the review
-- reminders recorded for overdue documents (once per document and due date).
-- The same tables as the SQLite backend's 0005; instants are epoch milliseconds.

CREATE TABLE plan_documents (
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    file          TEXT NOT NULL,
    -- Canonical JSON (keys sorted), so equal text means an equal document.
    body          TEXT NOT NULL,
    owner         TEXT,
    review_every  TEXT,
    last_reviewed TEXT,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE plan_revisions (
    revision   BIGINT PRIMARY KEY NOT NULL,
    applied_at BIGINT NOT NULL,
    applied_by UUID NOT NULL REFERENCES users (user_id),
    summary    TEXT NOT NULL
);

CREATE TABLE plan_revision_files (
    revision BIGINT NOT NULL REFERENCES plan_revisions (revision),
    position BIGINT NOT NULL,
    path     TEXT NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (revision, position)
);

CREATE TABLE review_reminders (
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    owner       TEXT,
    due         TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (kind, name, due)
);
