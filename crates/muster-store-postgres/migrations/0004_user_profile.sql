-- A user's time zone, how to reach them, and deactivation (the row stays:
-- incidents and timelines refer to it).
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;

-- Ordered by `position`: paging tries a user's methods in the order they chose.
CREATE TABLE user_contact_methods (
    user_id  UUID NOT NULL REFERENCES users (user_id),
    position INTEGER NOT NULL CHECK (position >= 0),
    kind     TEXT NOT NULL CHECK (kind IN ('email', 'sms', 'voice', 'push', 'chat')),
    address  TEXT NOT NULL,
    label    TEXT NOT NULL,
    PRIMARY KEY (user_id, position),
    CONSTRAINT user_contact_methods_address_key UNIQUE (user_id, kind, address)
);
