-- Foundation: the map of Huế through time, organisations, people, rights,
-- sessions, API tokens and the audit log. PostgreSQL flavour; keep in parity with
-- ../sqlite/0001_foundation.sql (same tables, same columns).

CREATE TABLE admin_units (
    id          TEXT PRIMARY KEY,          -- "{code}@{valid_from}" or "{code}@origin"
    province    TEXT NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    valid_from  DATE,                      -- NULL: in force before the records begin
    valid_to    DATE,                      -- exclusive; NULL: still in force
    search_key  TEXT NOT NULL
);
CREATE INDEX admin_units_code ON admin_units (code);

CREATE TABLE unit_lineage (
    id             TEXT PRIMARY KEY,
    effective_date DATE NOT NULL,
    instrument     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    from_unit      TEXT NOT NULL REFERENCES admin_units (id),
    to_unit        TEXT NOT NULL REFERENCES admin_units (id),
    note           TEXT NOT NULL
);
CREATE INDEX unit_lineage_from ON unit_lineage (from_unit);
CREATE INDEX unit_lineage_to ON unit_lineage (to_unit);

-- Units that ended without a successor (the districts on 1 Jul 2025).
CREATE TABLE unit_dissolutions (
    unit_id        TEXT PRIMARY KEY REFERENCES admin_units (id),
    effective_date DATE NOT NULL,
    instrument     TEXT NOT NULL,
    note           TEXT NOT NULL
);

CREATE TABLE classifications (
    id          TEXT PRIMARY KEY,
    province    TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    village     TEXT,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    instrument  TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX classifications_unit ON classifications (unit_code);

CREATE TABLE organisations (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    name         TEXT NOT NULL,
    short_name   TEXT,
    org_type     TEXT NOT NULL,
    parent_id    TEXT REFERENCES organisations (id),
    unit_code    TEXT,
    valid_from   DATE,
    valid_to     DATE,
    successor_id TEXT REFERENCES organisations (id),
    is_demo      BOOLEAN NOT NULL,
    search_key   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX organisations_unit ON organisations (unit_code);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_id        TEXT REFERENCES organisations (id),
    lang          TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_scopes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit_code TEXT NOT NULL,
    PRIMARY KEY (user_id, unit_code)
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,          -- SHA-256 of the cookie value
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL        -- absolute expiry
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,     -- SHA-256 of the token
    label        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE audit_events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,      -- order of the chain (local)
    id          TEXT NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);
CREATE INDEX audit_events_actor ON audit_events (actor_id);
