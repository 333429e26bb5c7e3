-- Delivery (giao nhận) and acceptance (nghiệm thu) of what was allocated to
-- need lines: deliveries, their items, the allocations they draw on, the
-- acceptance checklist, non-conformities, and each acceptance outcome (the
-- row behind the ledger's amendment leaf). SQLite flavour; keep in parity
-- with ../postgres/0004_delivery.sql. Money is BIGINT đồng. Never anything
-- about a child: only counts.

CREATE TABLE deliveries (
    id                    TEXT PRIMARY KEY,
    province              TEXT NOT NULL,
    need_line_id          TEXT NOT NULL REFERENCES need_lines (id),
    site_id               TEXT NOT NULL REFERENCES organisations (id),
    unit_code             TEXT NOT NULL,     -- the site's commune, for scoping
    giver_id              TEXT NOT NULL REFERENCES organisations (id),
    form                  TEXT NOT NULL,     -- goods | money
    value                 BIGINT NOT NULL,
    children_served       BIGINT NOT NULL,
    status                TEXT NOT NULL,     -- planned | handed_over | accepted | accepted_with_issues | rejected
    planned_on            DATE NOT NULL,
    handed_over_on        DATE,
    minutes_no            TEXT,              -- "2026/00003", per giver and year, at handover
    place                 TEXT NOT NULL,
    giver_rep_name        TEXT NOT NULL,     -- staff who hand over (never a child)
    giver_rep_position    TEXT NOT NULL,
    receiver_rep_name     TEXT NOT NULL,     -- staff or principal who receive
    receiver_rep_position TEXT NOT NULL,
    note                  TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    handed_over_by        TEXT,
    accepted_on           DATE,
    accepted_by           TEXT,
    is_demo               BOOLEAN NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_line ON deliveries (need_line_id);
CREATE INDEX deliveries_unit ON deliveries (unit_code);
CREATE UNIQUE INDEX deliveries_minutes ON deliveries (giver_id, minutes_no);

-- Items of the line's package, valued at the package's unit values.
CREATE TABLE delivery_items (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    unit_value  BIGINT NOT NULL,
    value       BIGINT NOT NULL
);
CREATE INDEX delivery_items_delivery ON delivery_items (delivery_id);

-- Which allocations a delivery draws on, and how much from each.
CREATE TABLE delivery_allocations (
    delivery_id   TEXT NOT NULL REFERENCES deliveries (id),
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    amount        BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, allocation_id)
);
CREATE INDEX delivery_allocations_allocation ON delivery_allocations (allocation_id);

-- The receiving site's checklist: one row per point, pass or fail.
CREATE TABLE acceptance_checks (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    check_kind  TEXT NOT NULL,
    passed      BOOLEAN NOT NULL,
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (delivery_id, check_kind)
);

-- Every failed point raises one; followed up until resolved.
CREATE TABLE nonconformities (
    id              TEXT PRIMARY KEY,
    province        TEXT NOT NULL,
    delivery_id     TEXT NOT NULL REFERENCES deliveries (id),
    check_id        TEXT REFERENCES acceptance_checks (id),
    description     TEXT NOT NULL,
    quantity        BIGINT NOT NULL,
    value           BIGINT NOT NULL,       -- value concerned, or the discount
    action          TEXT NOT NULL,         -- replace | return | discount
    resolved        BOOLEAN NOT NULL,
    resolution_note TEXT,
    resolved_by     TEXT,
    resolved_at     TIMESTAMP,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX nonconformities_delivery ON nonconformities (delivery_id);

-- Each acceptance decision and each resolution that changes what is
-- accepted: never edited, each recorded by an amendment leaf.
CREATE TABLE delivery_outcomes (
    id             TEXT PRIMARY KEY,
    delivery_id    TEXT NOT NULL REFERENCES deliveries (id),
    decided_on     DATE NOT NULL,
    outcome        TEXT NOT NULL,          -- accepted | accepted_with_issues | rejected
    accepted_value BIGINT NOT NULL,
    open_issues    BIGINT NOT NULL,
    recorded_by    TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX delivery_outcomes_delivery ON delivery_outcomes (delivery_id);
