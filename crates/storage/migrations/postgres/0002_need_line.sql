-- The need line: periods, packages (versioned), need lines, donors, pledges
-- and commitments, receipts, allocations. PostgreSQL flavour; keep in parity with
-- ../sqlite/0002_need_line.sql. Money is BIGINT đồng.

CREATE TABLE periods (
    id         TEXT PRIMARY KEY,
    province   TEXT NOT NULL,
    name       TEXT NOT NULL,
    starts_on  DATE NOT NULL,
    ends_on    DATE NOT NULL,             -- exclusive
    is_demo    BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE packages (
    id         TEXT PRIMARY KEY,
    province   TEXT NOT NULL,
    code       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    age_band   TEXT NOT NULL,
    unit_value BIGINT NOT NULL,
    items_json TEXT NOT NULL,
    is_demo    BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE need_lines (
    id            TEXT PRIMARY KEY,
    province      TEXT NOT NULL,
    site_id       TEXT NOT NULL REFERENCES organisations (id),
    unit_code     TEXT NOT NULL,            -- the site's commune, for scoping
    category      TEXT NOT NULL,
    period_id     TEXT NOT NULL REFERENCES periods (id),
    package_id    TEXT NOT NULL REFERENCES packages (id),
    quantity      BIGINT NOT NULL,
    unit_value    BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT,
    note          TEXT NOT NULL,
    assessed_by   TEXT NOT NULL,
    verified_by   TEXT,
    published_by  TEXT,
    is_demo       BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX need_lines_group ON need_lines (site_id, category);
CREATE INDEX need_lines_unit ON need_lines (unit_code);

CREATE TABLE donors (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    kind         TEXT NOT NULL,             -- organisation | individual
    name         TEXT NOT NULL,
    search_key   TEXT NOT NULL,
    origin       TEXT NOT NULL,             -- domestic | foreign
    donor_type   TEXT NOT NULL,             -- business | fund | mass_organisation | individual | other
    tax_code     TEXT,
    phone        TEXT,
    email        TEXT,
    publish_name BOOLEAN NOT NULL,
    anonymous    BOOLEAN NOT NULL,
    is_demo      BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX donors_search ON donors (search_key);

CREATE TABLE pledges (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    donor_id     TEXT NOT NULL REFERENCES donors (id),
    kind         TEXT NOT NULL,             -- money | goods | service
    amount       BIGINT NOT NULL,
    status       TEXT NOT NULL,             -- pledged | committed | cancelled
    categories   TEXT,                      -- comma-separated; NULL = any
    unit_codes   TEXT,
    age_bands    TEXT,
    period_id    TEXT REFERENCES periods (id),
    due_on       DATE,
    origin       TEXT NOT NULL,             -- officer | public
    need_line_id TEXT REFERENCES need_lines (id),
    note         TEXT NOT NULL,
    is_demo      BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    committed_at TIMESTAMPTZ
);
CREATE INDEX pledges_donor ON pledges (donor_id);

CREATE TABLE receipts (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    pledge_id    TEXT NOT NULL REFERENCES pledges (id),
    kind         TEXT NOT NULL,             -- money | goods
    amount       BIGINT NOT NULL,
    method       TEXT NOT NULL,             -- bank | cash | goods
    account      TEXT NOT NULL,
    receiver_id  TEXT NOT NULL REFERENCES organisations (id),
    receipt_no   TEXT NOT NULL,
    received_on  DATE NOT NULL,
    is_demo      BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (receiver_id, receipt_no)
);
CREATE INDEX receipts_pledge ON receipts (pledge_id);

CREATE TABLE allocations (
    id              TEXT PRIMARY KEY,
    province        TEXT NOT NULL,
    need_line_id    TEXT NOT NULL REFERENCES need_lines (id),
    pledge_id       TEXT NOT NULL REFERENCES pledges (id),
    amount          BIGINT NOT NULL,
    override_reason TEXT,
    created_by      TEXT NOT NULL,
    is_demo         BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX allocations_line ON allocations (need_line_id);
CREATE INDEX allocations_pledge ON allocations (pledge_id);

-- The sector a sector officer verifies for: health (nutrition, medical) or
-- education (clothing, recreation, other).
ALTER TABLE users ADD COLUMN sector TEXT;
