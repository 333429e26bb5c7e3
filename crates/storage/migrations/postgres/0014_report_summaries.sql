-- Summaries for the yearly report (storage::summaries, issue 6 item 9): the
-- national roll-up reads these few hundred thousand rows instead of 5 M
-- deliveries and 1 M receipts. Each is kept up to date in the same
-- transaction as the write that changes it (recording or handing over a
-- delivery, its acceptance or rejection, a receipt), through one storage
-- function per table; `chungtay report check-summaries` compares them with a
-- recomputation from the rows. Backfilled here from the rows already held.
-- Only deliveries handed over (handed_over, site_signed, accepted,
-- accepted_with_issues) count, as in the report.

-- Delivered per need line and year of handover.
CREATE TABLE report_line_delivered (
    need_line_id  TEXT NOT NULL,
    year          BIGINT NOT NULL,
    delivered     BIGINT NOT NULL,    -- sum of value
    children      BIGINT NOT NULL,    -- sum of children_served
    deliveries    BIGINT NOT NULL,    -- rows
    PRIMARY KEY (need_line_id, year)
);
INSERT INTO report_line_delivered (need_line_id, year, delivered, children, deliveries)
SELECT need_line_id, CAST(EXTRACT(YEAR FROM handed_over_on) AS BIGINT), SUM(value), SUM(children_served), COUNT(*)
FROM deliveries
WHERE status IN ('handed_over', 'site_signed', 'accepted', 'accepted_with_issues')
AND handed_over_on IS NOT NULL
GROUP BY need_line_id, CAST(EXTRACT(YEAR FROM handed_over_on) AS BIGINT);

-- Money out: deliveries handed over per month (first day) and province.
CREATE TABLE report_money_out (
    month         DATE NOT NULL,
    province      TEXT NOT NULL,
    delivered     BIGINT NOT NULL,
    deliveries    BIGINT NOT NULL,
    PRIMARY KEY (month, province)
);
INSERT INTO report_money_out (month, province, delivered, deliveries)
SELECT CAST(date_trunc('month', handed_over_on) AS DATE), province, SUM(value), COUNT(*)
FROM deliveries
WHERE status IN ('handed_over', 'site_signed', 'accepted', 'accepted_with_issues')
AND handed_over_on IS NOT NULL
GROUP BY CAST(date_trunc('month', handed_over_on) AS DATE), province;

-- Received per pledge and year of receipt (every receipt, state budget too).
CREATE TABLE report_pledge_received (
    pledge_id     TEXT NOT NULL,
    year          BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    receipts      BIGINT NOT NULL,
    PRIMARY KEY (pledge_id, year)
);
INSERT INTO report_pledge_received (pledge_id, year, amount, receipts)
SELECT pledge_id, CAST(EXTRACT(YEAR FROM received_on) AS BIGINT), SUM(amount), COUNT(*)
FROM live_receipts
GROUP BY pledge_id, CAST(EXTRACT(YEAR FROM received_on) AS BIGINT);

-- Money in: receipts per month (first day), province, account label (the
-- state budget is told by it when the report runs) and kind of source.
CREATE TABLE report_money_in (
    month         DATE NOT NULL,
    province      TEXT NOT NULL,
    account       TEXT NOT NULL,
    origin        TEXT NOT NULL,
    donor_type    TEXT NOT NULL,
    receipts      BIGINT NOT NULL,
    money         BIGINT NOT NULL,    -- kind = 'money'
    goods         BIGINT NOT NULL,    -- any other kind
    PRIMARY KEY (month, province, account, origin, donor_type)
);
INSERT INTO report_money_in (month, province, account, origin, donor_type, receipts, money, goods)
SELECT CAST(date_trunc('month', r.received_on) AS DATE), r.province, r.account, d.origin, d.donor_type, COUNT(*),
SUM(CASE WHEN r.kind = 'money' THEN r.amount ELSE 0 END),
SUM(CASE WHEN r.kind = 'money' THEN 0 ELSE r.amount END)
FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id
GROUP BY CAST(date_trunc('month', r.received_on) AS DATE), r.province, r.account, d.origin, d.donor_type;
