-- The catalog: teams, services with their dependencies, and functionalities.
-- Entries are named by slug (the catalog's natural key, as in Backstage and
-- the plan). `source` records which import or plan last wrote an entry.
-- The same tables as the SQLite backend's 0002; instants are epoch
-- milliseconds (BIGINT), as in 0001.

CREATE TABLE teams (
    slug              TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL,
    contact_channel   TEXT NOT NULL,
    escalation_policy TEXT,
    source            TEXT,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_slug TEXT NOT NULL REFERENCES teams (slug) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    email     TEXT NOT NULL,
    role      TEXT NOT NULL,
    PRIMARY KEY (team_slug, email)
);
CREATE INDEX team_members_email ON team_members (email);

CREATE TABLE services (
    slug          TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    owner_team    TEXT REFERENCES teams (slug),
    tier          INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 4),
    lifecycle     TEXT NOT NULL CHECK (lifecycle IN ('experimental', 'production', 'deprecated')),
    kind          TEXT NOT NULL,
    rollback_plan TEXT NOT NULL,
    source        TEXT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX services_owner_team ON services (owner_team);

CREATE TABLE service_links (
    service_slug TEXT NOT NULL REFERENCES services (slug) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('link', 'runbook')),
    position     INTEGER NOT NULL,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    PRIMARY KEY (service_slug, kind, position)
);

CREATE TABLE service_tags (
    service_slug TEXT NOT NULL REFERENCES services (slug) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (service_slug, tag)
);

CREATE TABLE service_dependencies (
    service_slug TEXT NOT NULL REFERENCES services (slug) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    depends_on   TEXT NOT NULL REFERENCES services (slug),
    criticality  TEXT NOT NULL CHECK (criticality IN ('hard', 'soft')),
    PRIMARY KEY (service_slug, depends_on)
);
CREATE INDEX service_dependencies_depends_on ON service_dependencies (depends_on);

CREATE TABLE functionalities (
    slug        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_team  TEXT REFERENCES teams (slug),
    source      TEXT,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE functionality_aliases (
    functionality_slug TEXT NOT NULL REFERENCES functionalities (slug) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    alias              TEXT NOT NULL,
    PRIMARY KEY (functionality_slug, position)
);

CREATE TABLE functionality_services (
    functionality_slug TEXT NOT NULL REFERENCES functionalities (slug) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    service_slug       TEXT NOT NULL REFERENCES services (slug),
    PRIMARY KEY (functionality_slug, service_slug)
);
CREATE INDEX functionality_services_service ON functionality_services (service_slug);
