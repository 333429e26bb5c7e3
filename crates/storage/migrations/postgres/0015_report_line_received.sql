-- What each need line received, per pledge and year (storage::summaries,
-- issue 6 item 9): the national roll-up's line groups read this table
-- instead of filling 242,327 allocations in order with 1 M receipts.
--
-- A pledge's live receipts fill its live allocations in the order they were
-- made (created_at, id), as report_data and receipts::received_by_line do.
-- Per pledge × need line:
--   year 0: committed = the pledge's live allocations to the line (all of
--           them; received 0);
--   year Y: received = what the line has received from the pledge by the
--           end of year Y (receipts dated up to 31 December Y) minus what it
--           had by the end of the pledge's previous year of receipts
--           (committed 0; no row when that is 0).
-- So SUM over year <= Y gives a line's committed and received for a report
-- whose receipts stop at 31 December Y and whose cut-off comes after every
-- allocation (report_data checks that, else reads the live allocations).
--
-- Kept by every writer that changes a pledge's live receipts or allocations
-- (a receipt recorded or reversed, an allocation made or reversed): in its
-- own transaction it deletes the pledge's rows and recomputes them with the
-- query below restricted to that pledge. `chungtay report check-summaries`
-- compares the table with the recomputation. Backfilled here.

CREATE TABLE report_line_received (
    pledge_id     TEXT NOT NULL,
    need_line_id  TEXT NOT NULL,
    year          BIGINT NOT NULL,
    committed     BIGINT NOT NULL,
    received      BIGINT NOT NULL,
    PRIMARY KEY (pledge_id, need_line_id, year)
);
-- The line groups read it per need line, in order (covering).
CREATE INDEX report_line_received_line ON report_line_received (need_line_id, year, committed, received);
-- Whether any allocation was made after a report's cut-off (then the
-- report reads the live allocations).
CREATE INDEX allocations_created ON allocations (created_at);

INSERT INTO report_line_received (pledge_id, need_line_id, year, committed, received)
WITH al AS (
  SELECT a.pledge_id, a.need_line_id, a.amount,
  SUM(a.amount) OVER (PARTITION BY a.pledge_id ORDER BY a.created_at, a.id
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - a.amount AS a_start
  FROM live_allocations a
), rc AS (
  SELECT pledge_id, CAST(EXTRACT(YEAR FROM received_on) AS BIGINT) AS year, SUM(amount) AS amount
  FROM live_receipts
  GROUP BY pledge_id, CAST(EXTRACT(YEAR FROM received_on) AS BIGINT)
), got AS (
  SELECT y.pledge_id, y.year, SUM(r.amount) AS got
  FROM rc y JOIN rc r ON r.pledge_id = y.pledge_id AND r.year <= y.year
  GROUP BY y.pledge_id, y.year
), filled AS (
  SELECT x.pledge_id, x.need_line_id, g.year,
  SUM(CASE WHEN g.got - x.a_start >= x.amount THEN x.amount
           WHEN g.got - x.a_start > 0 THEN g.got - x.a_start ELSE 0 END) AS received
  FROM al x JOIN got g ON g.pledge_id = x.pledge_id
  GROUP BY x.pledge_id, x.need_line_id, g.year
), delta AS (
  SELECT pledge_id, need_line_id, year,
  received - COALESCE(LAG(received) OVER (PARTITION BY pledge_id, need_line_id ORDER BY year), 0) AS received
  FROM filled
)
SELECT pledge_id, need_line_id, CAST(0 AS BIGINT), CAST(SUM(amount) AS BIGINT), CAST(0 AS BIGINT)
FROM al GROUP BY pledge_id, need_line_id
UNION ALL
SELECT pledge_id, need_line_id, CAST(year AS BIGINT), CAST(0 AS BIGINT), CAST(received AS BIGINT)
FROM delta WHERE received <> 0;
