-- A pledge's instalments (issue 3, item 4): amounts with due dates that add
-- up to the pledge. Overdue is computed from them and the pledge's receipts,
-- never stored. SQLite flavour; keep in parity with
-- ../postgres/0010_instalments.sql (same tables, same columns).

CREATE TABLE pledge_instalments (
    id         TEXT PRIMARY KEY,
    pledge_id  TEXT NOT NULL REFERENCES pledges (id),
    seq        BIGINT NOT NULL,           -- 1, 2, … in due order
    amount     BIGINT NOT NULL,
    due_on     DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (pledge_id, seq)
);
CREATE INDEX pledge_instalments_pledge ON pledge_instalments (pledge_id);
