-- Update cadence reminders sent, one row per (incident, due time of the late
-- update, level, role): the key's uniqueness is what keeps two engine nodes,
-- or a restart, from reminding the same role of the same late update twice.
-- A later update due starts afresh under a key of its own.
CREATE TABLE update_reminders (
    incident_id   UUID NOT NULL REFERENCES incidents (incident_id),
    update_due_at BIGINT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('late', 'very_late')),
    role          TEXT NOT NULL,
    user_id       UUID NOT NULL REFERENCES users (user_id),
    sent_at       BIGINT NOT NULL,
    PRIMARY KEY (incident_id, update_due_at, level, role)
);

-- Every incident write now marks the incident for a look (its severity's
-- update cadence is decided then); open incidents written before get theirs.
UPDATE incidents SET runbooks_due_at = updated_at
    WHERE runbooks_due_at IS NULL AND resolved_at IS NULL;
