-- The children registry: master children, the source records that name them
-- (schools, school sites, health stations, mass organisations, communes),
-- the links the deduplication engine proposes and officers decide, and
-- consent. PostgreSQL flavour; keep in parity with ../sqlite/0007_registry.sql.
--
-- A child's personal data lives only in the personal columns of
-- child_records (full_name, name_key, birth_month, birth_day, village,
-- school_name, grade, guardian_name, pid_hash, pid_last3) and in the free
-- text officers type about links (child_link_events.reason). Withdrawal of
-- consent blanks all of them; what stays is anonymous (commune, birth year,
-- sex, ethnicity). Personal IDs are never stored: only an HMAC-SHA256 of the
-- 12 digits under a key kept in a file outside the database, and the last
-- 3 digits for display.

-- One child, whatever the number of sources that list her.
CREATE TABLE children (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    commune_code TEXT NOT NULL,      -- for scoping: the commune of its first record
    status       TEXT NOT NULL,      -- active | erased (consent withdrawn)
    is_demo      BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    erased_at    TIMESTAMPTZ
);
CREATE INDEX children_commune ON children (commune_code);

-- A source record across its versions, and the master child it belongs to
-- (moved only by an accepted link, moved back by its undo).
CREATE TABLE child_sources (
    record_key    TEXT PRIMARY KEY,
    child_id      TEXT NOT NULL REFERENCES children (id),
    province      TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    source_type   TEXT NOT NULL,     -- school | school_site | health_station | mass_organisation | commune
    source_org_id TEXT REFERENCES organisations (id),
    source_ref    TEXT,              -- the source's own number: a re-import adds a version
    is_demo       BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_sources_child ON child_sources (child_id);
CREATE INDEX child_sources_commune ON child_sources (commune_code);
CREATE UNIQUE INDEX child_sources_ref ON child_sources (source_org_id, source_ref);

-- Versions of a source record. Never updated: a correction is a new
-- version. The one exception is erasure, which blanks the personal columns
-- of every version.
CREATE TABLE child_records (
    id              TEXT PRIMARY KEY,
    record_key      TEXT NOT NULL REFERENCES child_sources (record_key),
    version         BIGINT NOT NULL,
    province        TEXT NOT NULL,
    full_name       TEXT,
    name_key        TEXT,            -- diacritic-folded, for search
    birth_year      BIGINT NOT NULL,
    birth_month     BIGINT,
    birth_day       BIGINT,
    birth_precision TEXT NOT NULL,   -- day | month | year, as recorded
    sex             TEXT,            -- male | female
    ethnicity       TEXT,
    commune_code    TEXT NOT NULL,
    village         TEXT,
    school_name     TEXT,
    grade           TEXT,
    guardian_name   TEXT,
    pid_hash        TEXT,            -- HMAC-SHA256 (hex) of the 12 digits
    pid_last3       TEXT,
    created_by      TEXT NOT NULL,   -- user id or system:…
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX child_records_version ON child_records (record_key, version);
CREATE INDEX child_records_pid ON child_records (pid_hash);

-- A pair of source records the engine scored, with its explanation (field
-- levels only, never a value). proposed → accepted | rejected; an undo is
-- an event that brings it back to proposed. kept_apart: the engine's veto
-- (likely twins, different personal IDs), shown, not queued.
CREATE TABLE child_links (
    id             TEXT PRIMARY KEY,
    province       TEXT NOT NULL,
    commune_code   TEXT NOT NULL,    -- for scoping: the commune of record_a
    record_a       TEXT NOT NULL REFERENCES child_sources (record_key),
    record_b       TEXT NOT NULL REFERENCES child_sources (record_key),
    probability_bp BIGINT NOT NULL,  -- match probability, basis points
    weight_milli   BIGINT NOT NULL,  -- match weight (log2 odds) × 1000
    veto           TEXT,             -- twins | different_personal_ids
    explanation_vi TEXT NOT NULL,
    explanation_en TEXT NOT NULL,
    status         TEXT NOT NULL,    -- proposed | accepted | rejected | kept_apart
    from_child     TEXT,             -- while accepted: the child whose records moved
    into_child     TEXT,             -- … and the child they moved into
    moved_records  TEXT,             -- … JSON array of the record keys moved
    is_demo        BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX child_links_pair ON child_links (record_a, record_b);
CREATE INDEX child_links_status ON child_links (status, commune_code);

-- Every decision on a link, in order; nothing is deleted.
CREATE TABLE child_link_events (
    id           TEXT PRIMARY KEY,
    link_id      TEXT NOT NULL REFERENCES child_links (id),
    seq          BIGINT NOT NULL,
    action       TEXT NOT NULL,      -- proposed | accepted | rejected | undone
    status_after TEXT NOT NULL,
    reason       TEXT,               -- blanked on erasure
    actor_id     TEXT,
    actor_name   TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX child_link_events_seq ON child_link_events (link_id, seq);

-- Consent to process the child's data: the parent's (or guardian's), and
-- the child's own from age 7 (Decree 13/2023 art. 20; Law 91/2025 art. 24).
CREATE TABLE child_consents (
    id           TEXT PRIMARY KEY,
    child_id     TEXT NOT NULL REFERENCES children (id),
    kind         TEXT NOT NULL,      -- parent | child
    given_on     DATE NOT NULL,
    withdrawn_on DATE,
    recorded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_consents_child ON child_consents (child_id);
