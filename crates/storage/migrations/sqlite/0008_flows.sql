-- Money passed on is one flow (issue 3, item 8): a receipt's money moves
-- from the organisation that received it to others (fund → commune
-- people's committee → school) by transfers, and is spent at the last
-- level by expenditures. Each row names the source receipt, so the donor,
-- the restrictions and the origin follow the money, and totals at every
-- level are computed from flows (counted once). SQLite flavour; keep in
-- parity with ../postgres/0008_flows.sql.

CREATE TABLE transfers (
    id             TEXT PRIMARY KEY,
    province       TEXT NOT NULL,
    receipt_id     TEXT NOT NULL REFERENCES receipts (id),
    from_org_id    TEXT NOT NULL REFERENCES organisations (id),
    to_org_id      TEXT NOT NULL REFERENCES organisations (id),
    amount         BIGINT NOT NULL,
    transferred_on DATE NOT NULL,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    is_demo        BOOLEAN NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX transfers_receipt ON transfers (receipt_id);
CREATE INDEX transfers_from ON transfers (from_org_id);
CREATE INDEX transfers_to ON transfers (to_org_id);

CREATE TABLE expenditures (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    receipt_id   TEXT NOT NULL REFERENCES receipts (id),
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    need_line_id TEXT REFERENCES need_lines (id),
    amount       BIGINT NOT NULL,
    spent_on     DATE NOT NULL,
    description  TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    is_demo      BOOLEAN NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX expenditures_receipt ON expenditures (receipt_id);
CREATE INDEX expenditures_org ON expenditures (org_id);
