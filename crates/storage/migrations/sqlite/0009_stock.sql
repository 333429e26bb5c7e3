-- Goods in store and co-signed acceptance. SQLite flavour; keep in parity
-- with ../postgres/0009_stock.sql.
--
-- Stock is never typed: a store's stock of an item is the sum of its
-- stock_events (in from a goods receipt, out to a delivery, adjustment with
-- a reason, count: the difference a stocktake found). Events are never
-- updated or deleted; a correction is a new event.

-- A place that holds goods, belonging to an organisation.
CREATE TABLE stores (
    id          TEXT PRIMARY KEY,
    province    TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    unit_code   TEXT NOT NULL,     -- the owner's commune, or the province: for scoping
    is_demo     BOOLEAN NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX stores_unit ON stores (unit_code);

-- The item lines of a goods receipt, valued at what the donor declared.
CREATE TABLE receipt_items (
    id          TEXT PRIMARY KEY,
    receipt_id  TEXT NOT NULL REFERENCES receipts (id),
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    unit_value  BIGINT NOT NULL,
    value       BIGINT NOT NULL
);
CREATE INDEX receipt_items_receipt ON receipt_items (receipt_id);

-- The store that holds a goods receipt.
ALTER TABLE receipts ADD COLUMN store_id TEXT REFERENCES stores (id);

-- The store a delivery of goods is drawn from (its out events are written
-- at the handover).
ALTER TABLE deliveries ADD COLUMN store_id TEXT REFERENCES stores (id);

-- Every movement of goods in a store, numbered in the store's order.
CREATE TABLE stock_events (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    seq          BIGINT NOT NULL,
    kind         TEXT NOT NULL,    -- in | out | adjustment | count
    item         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    quantity     BIGINT NOT NULL,  -- the signed change of stock
    counted      BIGINT,           -- count: the quantity found
    unit_value   BIGINT NOT NULL,
    receipt_id   TEXT REFERENCES receipts (id),
    delivery_id  TEXT REFERENCES deliveries (id),
    reason       TEXT NOT NULL,
    occurred_on  DATE NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (store_id, seq)
);
CREATE INDEX stock_events_item ON stock_events (store_id, item, unit);
CREATE INDEX stock_events_delivery ON stock_events (delivery_id);

-- Acceptance is signed by the receiving site and co-signed by its commune:
-- one row per side, who and when.
CREATE TABLE acceptance_signatures (
    id           TEXT PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES deliveries (id),
    side         TEXT NOT NULL,    -- site | commune
    decision     TEXT NOT NULL,    -- accept | reject
    signed_on    DATE NOT NULL,
    user_id      TEXT,
    signer_name  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (delivery_id, side)
);
