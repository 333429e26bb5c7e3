-- Corrections are new entries, never edits (issue 5, item 2): a receipt,
-- allocation, transfer or expenditure recorded by mistake is *reversed* by
-- a row here, written in one transaction with its audit row and its
-- `reversal` ledger leaf. The reversed row itself is never touched (its own
-- leaf still rebuilds byte for byte); it simply counts nowhere: every total
-- reads the live_* views below, which leave reversed rows out.
-- SQLite flavour; keep in parity with ../postgres/0012_reversals.sql.

CREATE TABLE reversals (
    id          TEXT PRIMARY KEY,
    province    TEXT NOT NULL,
    kind        TEXT NOT NULL,   -- receipt | allocation | transfer | expenditure
    target_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,   -- internal: never in the public ledger
    created_by  TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (kind, target_id)
);

-- The rows that still count. A view lists the table's columns as of this
-- migration (PostgreSQL expands `*` when the view is made): a later
-- migration that adds a column to one of these tables must recreate its view.
CREATE VIEW live_receipts AS SELECT * FROM receipts x
    WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'receipt' AND v.target_id = x.id);
CREATE VIEW live_allocations AS SELECT * FROM allocations x
    WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'allocation' AND v.target_id = x.id);
CREATE VIEW live_transfers AS SELECT * FROM transfers x
    WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'transfer' AND v.target_id = x.id);
CREATE VIEW live_expenditures AS SELECT * FROM expenditures x
    WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'expenditure' AND v.target_id = x.id);
