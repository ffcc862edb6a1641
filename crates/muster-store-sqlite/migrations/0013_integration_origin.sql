-- Integrations declared in the plan. `origin` says who made each: by hand
-- (the API, the CLI, the console) or a plan apply, which changes and retires
-- only its own. `retired_at` is when a plan apply took one out of service:
-- its key is refused from then on, and its alerts and their history stay
-- (alerts reference it), so the row is kept rather than deleted.
ALTER TABLE integrations ADD COLUMN origin TEXT NOT NULL DEFAULT 'hand'
    CHECK (origin IN ('hand', 'plan'));
ALTER TABLE integrations ADD COLUMN retired_at INTEGER;
