-- Rosters of deliveries (issue 4, item 5): which master children of the
-- registry a handover reached. PostgreSQL flavour; keep in parity
-- with ../sqlite/0011_rosters.sql.
--
-- No personal data is copied: a roster row names a source record of the
-- registry, and the master child is read through child_sources, so merges
-- and their undo are followed. "Children reached" counts distinct master
-- children; "lượt" counts distinct (master child, delivery) pairs.
CREATE TABLE delivery_children (
    delivery_id    TEXT NOT NULL REFERENCES deliveries (id),
    record_key     TEXT NOT NULL REFERENCES child_sources (record_key),
    province       TEXT NOT NULL,
    overlap_reason TEXT,           -- why the officer proceeded past the overlap guard; blanked on erasure
    added_by       TEXT NOT NULL,
    is_demo        BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (delivery_id, record_key)
);
CREATE INDEX delivery_children_record ON delivery_children (record_key);
