-- The runbooks attached to each incident (a JSON list of names, in the order
-- they attached); their snapshots are on the timeline.
ALTER TABLE incidents ADD COLUMN runbooks TEXT NOT NULL DEFAULT '[]';
