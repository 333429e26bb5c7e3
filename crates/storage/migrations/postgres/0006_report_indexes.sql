-- Indexes for the yearly report's aggregations (storage::report_data, issue 6
-- item 9): each lets one report query read a covering index in the order it
-- groups by, so the city report and the national roll-up stay under 5 s at
-- national scale (3 M children, 1 M receipts, 5 M deliveries; see
-- docs/benchmarks.md, "Reporting"). Same file in both folders.

-- Need lines of a province and year.
CREATE INDEX need_lines_report ON need_lines (province, status, period_id);

-- Receipts filling allocations in order: the allocations of a pledge in
-- the order they were made, with what the window sums need.
CREATE INDEX allocations_report ON allocations (pledge_id, created_at, id, need_line_id, amount);

-- Receipts summed per pledge (received, and by kind of source).
CREATE INDEX receipts_report_pledge ON receipts (pledge_id, received_on, kind, amount, account);

-- Receipts of a province by day (money in over time).
CREATE INDEX receipts_report_day ON receipts (province, received_on, kind, amount, account, pledge_id);

-- Deliveries summed per need line (delivered, children served).
CREATE INDEX deliveries_report_line ON deliveries (need_line_id, status, handed_over_on, value, children_served);

-- Deliveries of a province by day (money out over time).
CREATE INDEX deliveries_report_day ON deliveries (province, handed_over_on, status, value, unit_code);
