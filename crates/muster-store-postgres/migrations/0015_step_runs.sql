-- The runs of attached runbooks' steps, one row per run key (runbook, step,
-- occurrence): the key's uniqueness is what keeps a step from running twice,
-- whichever node or restart finds it due. A failed run is retried in place.
CREATE TABLE step_runs (
    incident_id        UUID NOT NULL REFERENCES incidents (incident_id),
    runbook            TEXT NOT NULL,
    step               BIGINT NOT NULL CHECK (step >= 0),
    occurrence         BIGINT NOT NULL CHECK (occurrence >= 0),
    started_at         BIGINT NOT NULL,
    attempt_started_at BIGINT NOT NULL,
    attempts           BIGINT NOT NULL CHECK (attempts >= 1),
    status             TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    finished_at        BIGINT,
    reason             TEXT,
    PRIMARY KEY (incident_id, runbook, step, occurrence)
);

-- When the engine should look at an incident's runbooks next: set by every
-- write of an incident with runbooks, moved to the next timer by the engine.
ALTER TABLE incidents ADD COLUMN runbooks_due_at BIGINT;
CREATE INDEX incidents_runbooks_due ON incidents (runbooks_due_at)
    WHERE runbooks_due_at IS NOT NULL;
-- Incidents that attached runbooks before steps ran get their first look.
UPDATE incidents SET runbooks_due_at = updated_at WHERE runbooks <> '[]';
