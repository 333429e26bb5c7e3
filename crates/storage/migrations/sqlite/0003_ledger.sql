-- The public ledger (RFC 9162 Merkle log), receiving accounts for VietQR,
-- pledge codes, and bank statements. SQLite flavour; keep in parity with
-- ../postgres/0003_ledger.sql.

-- One row per leaf, in log order (idx 0, 1, 2 … without gaps). The leaf is
-- the exact canonical JSON bytes; leaf_hash = SHA-256(0x00 || leaf).
CREATE TABLE ledger_entries (
    idx        BIGINT PRIMARY KEY,
    kind       TEXT NOT NULL,             -- receipt | allocation | distribution | reversal …
    ref_id     TEXT NOT NULL,             -- the business row the leaf records
    leaf       BLOB NOT NULL,
    leaf_hash  BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_ref ON ledger_entries (kind, ref_id);

-- Public keys that have signed tree heads (the private key lives outside the
-- database, in a file). A rotated key stays here so old heads verify.
CREATE TABLE ledger_keys (
    key_id     TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,             -- base64 of the 32-byte Ed25519 key
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

-- Signed tree heads, all kept: consistency between any two can be proved.
CREATE TABLE ledger_heads (
    timestamp_ms BIGINT PRIMARY KEY,
    tree_size    BIGINT NOT NULL,
    root_hash    TEXT NOT NULL,           -- hex
    signature    TEXT NOT NULL,           -- base64 Ed25519 over the documented 64 bytes
    key_id       TEXT NOT NULL REFERENCES ledger_keys (key_id)
);

-- The short number behind a pledge's code (CT + 6 digits + check digit),
-- which donors write in their transfer memo.
ALTER TABLE pledges ADD COLUMN number BIGINT;
UPDATE pledges SET number = (
    SELECT COUNT(*) FROM pledges p2
    WHERE p2.created_at < pledges.created_at
       OR (p2.created_at = pledges.created_at AND p2.id <= pledges.id));
CREATE UNIQUE INDEX pledges_number ON pledges (number);

-- Bank accounts (and the cash book) into which donations are received.
CREATE TABLE receiving_accounts (
    id              TEXT PRIMARY KEY,
    province        TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    bank_bin        TEXT NOT NULL,        -- NAPAS BIN, 6 digits
    account_no      TEXT NOT NULL,
    account_name    TEXT NOT NULL,
    purpose         TEXT NOT NULL,        -- donations | state_budget
    is_default      BOOLEAN NOT NULL,
    is_demo         BOOLEAN NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (bank_bin, account_no)
);

CREATE TABLE statement_imports (
    id          TEXT PRIMARY KEY,
    province    TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES receiving_accounts (id),
    file_name   TEXT NOT NULL,
    layout      TEXT NOT NULL,
    lines_total BIGINT NOT NULL,
    lines_new   BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Money in, one row per statement line, never twice (dedupe_key).
CREATE TABLE statement_lines (
    id                   TEXT PRIMARY KEY,
    province             TEXT NOT NULL,
    account_id           TEXT NOT NULL REFERENCES receiving_accounts (id),
    import_id            TEXT NOT NULL REFERENCES statement_imports (id),
    dedupe_key           TEXT NOT NULL,
    booked_on            DATE NOT NULL,
    amount               BIGINT NOT NULL,
    memo                 TEXT NOT NULL,
    bank_ref             TEXT,
    counterparty         TEXT,
    counterparty_account TEXT,
    status               TEXT NOT NULL,   -- unmatched | matched | ignored
    pledge_id            TEXT REFERENCES pledges (id),
    receipt_id           TEXT REFERENCES receipts (id),
    decided_by           TEXT,
    decided_at           TIMESTAMP,
    UNIQUE (account_id, dedupe_key)
);
CREATE INDEX statement_lines_status ON statement_lines (status);
