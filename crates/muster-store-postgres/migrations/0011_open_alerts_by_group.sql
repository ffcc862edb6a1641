-- Routing asks, for every group a batch touches, how many of its alerts are
-- open. A storm's group holds thousands: this index answers from its own
-- entries, without reading each alert's row to check its status.
CREATE INDEX alerts_group_open ON alerts (group_id, status) WHERE group_id IS NOT NULL AND status <> 'resolved';
