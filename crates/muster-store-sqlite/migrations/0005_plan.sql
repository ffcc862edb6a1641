-- The running plan: every applied document that is not a catalog entry
-- (the catalog tables hold teams, services and functionalities), each apply
-- that changed something with the files it came from, and the review
-- reminders recorded for overdue documents (once per document and due date).

CREATE TABLE plan_documents (
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    file          TEXT NOT NULL,
    -- Canonical JSON (keys sorted), so equal text means an equal document.
    body          TEXT NOT NULL,
    owner         TEXT,
    review_every  TEXT,
    last_reviewed TEXT,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE plan_revisions (
    revision   INTEGER PRIMARY KEY NOT NULL,
    applied_at INTEGER NOT NULL,
    applied_by TEXT NOT NULL REFERENCES users (user_id),
    summary    TEXT NOT NULL
);

CREATE TABLE plan_revision_files (
    revision INTEGER NOT NULL REFERENCES plan_revisions (revision),
    position INTEGER NOT NULL,
    path     TEXT NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (revision, position)
);

CREATE TABLE review_reminders (
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    owner       TEXT,
    due         TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (kind, name, due)
);
