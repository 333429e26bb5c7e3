-- The reporting regime (issue 6; R7, R15, R16, R22, R24, R25): yearly
-- mobilisation plans and their targets, reporting periods, obligations
-- (template × reporting unit × year), reports with their draft fields and
-- deadline exceptions, obligations moved along the administrative map, and
-- the notification outbox. PostgreSQL flavour; keep in parity with
-- ../sqlite/0005_reporting.sql (same tables, same columns).

-- A mobilisation plan of one level for a span of time (a calendar year or
-- a school year); its targets are rows, never constants.
CREATE TABLE plans (
    id         TEXT PRIMARY KEY,
    province   TEXT NOT NULL,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,             -- city | district | commune | department | mass_organisation
    unit_code  TEXT NOT NULL,             -- the area it covers (46: the whole city)
    org_id     TEXT REFERENCES organisations (id),
    starts_on  DATE NOT NULL,
    ends_on    DATE NOT NULL,             -- exclusive
    note       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    is_demo    BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX plans_unit ON plans (unit_code);

CREATE TABLE plan_targets (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    category   TEXT NOT NULL,             -- all | nutrition | medical | recreation | warm_clothing | other
    source     TEXT NOT NULL,             -- all | domestic | foreign | business | fund | mass_organisation | individual | state_budget
    indicator  TEXT NOT NULL,             -- money | children | packages
    target     BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (plan_id, category, source, indicator)
);

-- A reporting year of a template, with its deadlines (configurable) and the
-- date whose units were expected to report when the year was opened.
CREATE TABLE reporting_periods (
    template_id TEXT NOT NULL,
    year        BIGINT NOT NULL,
    due_on      DATE NOT NULL,
    cutoff_on   DATE NOT NULL,
    units_on    DATE NOT NULL,
    opened_by   TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (template_id, year)
);

-- One report owed by one unit (an administrative unit version or an
-- organisation) for one year. `state` is open, or moved once its duty went
-- to the units that replaced it (see obligation_moves); never deleted.
CREATE TABLE report_obligations (
    id          TEXT PRIMARY KEY,
    province    TEXT NOT NULL,
    template_id TEXT NOT NULL,
    year        BIGINT NOT NULL,
    unit_kind   TEXT NOT NULL,            -- admin | organisation
    unit_id     TEXT NOT NULL,            -- "{code}@{valid_from}" or the organisation's id
    unit_code   TEXT NOT NULL,            -- the administrative code the scope check uses
    unit_level  TEXT NOT NULL,            -- district | commune | department | mass_organisation
    unit_name   TEXT NOT NULL,
    due_on      DATE NOT NULL,
    cutoff_on   DATE NOT NULL,
    state       TEXT NOT NULL,            -- open | moved
    inherited   BOOLEAN NOT NULL,
    moved_on    DATE,
    is_demo     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (template_id, unit_kind, unit_id, year)
);
CREATE INDEX report_obligations_year ON report_obligations (template_id, year);
CREATE INDEX report_obligations_code ON report_obligations (unit_code);

-- Each step an open obligation took along the lineage: from a unit that
-- stopped existing to the units that replaced it.
CREATE TABLE obligation_moves (
    id            TEXT PRIMARY KEY,
    obligation_id TEXT NOT NULL REFERENCES report_obligations (id),
    step          BIGINT NOT NULL,
    from_unit     TEXT NOT NULL,
    to_units      TEXT NOT NULL,          -- unit ids, space-separated
    effective_on  DATE NOT NULL,
    reason        TEXT NOT NULL,          -- lineage | dissolved
    change_kind   TEXT,
    instrument    TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (obligation_id, from_unit)
);

-- The report of an obligation: its status and stamps (dates are calendar
-- dates in Vietnam), the draft's version and a row version for writers.
CREATE TABLE reports (
    obligation_id TEXT PRIMARY KEY REFERENCES report_obligations (id),
    status        TEXT NOT NULL,          -- draft | submitted | approved | returned | locked
    return_reason TEXT,
    nil           BOOLEAN NOT NULL,
    draft_version BIGINT NOT NULL,
    row_version   BIGINT NOT NULL,
    submitted_by  TEXT,
    submitted_on  DATE,
    approved_by   TEXT,
    approved_on   DATE,
    returned_by   TEXT,
    returned_on   DATE,
    locked        BOOLEAN NOT NULL,
    locked_by     TEXT,                   -- NULL with locked: the cut-off locked it
    locked_on     DATE,
    unlocked_by   TEXT,
    unlocked_on   DATE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- A draft's fields (typed figures and narrative), each with the version
-- that last changed it and who changed it.
CREATE TABLE report_fields (
    obligation_id TEXT NOT NULL REFERENCES reports (obligation_id),
    field         TEXT NOT NULL,
    value         TEXT,
    version       BIGINT NOT NULL,
    changed_by    TEXT NOT NULL,
    PRIMARY KEY (obligation_id, field)
);

CREATE TABLE report_exceptions (
    id             TEXT PRIMARY KEY,
    obligation_id  TEXT NOT NULL REFERENCES reports (obligation_id),
    position       BIGINT NOT NULL,
    requested_by   TEXT NOT NULL,
    requested_on   DATE NOT NULL,
    justification  TEXT NOT NULL,
    until_on       DATE NOT NULL,
    decision       TEXT NOT NULL,         -- pending | granted | refused
    decided_by     TEXT,
    decided_on     DATE,
    refusal_reason TEXT,
    UNIQUE (obligation_id, position)
);

-- The outbox: a notice always shown in the app, and sent by e-mail when the
-- user has an address and an SMTP server is configured.
CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    province     TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,           -- reminder | returned | exception
    dedupe_key   TEXT NOT NULL UNIQUE,
    args_json    TEXT NOT NULL,
    link         TEXT NOT NULL,
    email_to     TEXT,
    email_status TEXT NOT NULL,           -- none | pending | sent | failed
    attempts     BIGINT NOT NULL,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    sent_at      TIMESTAMPTZ,
    read_at      TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id);
CREATE INDEX notifications_email ON notifications (email_status);

-- Where a user's notices are e-mailed.
ALTER TABLE users ADD COLUMN email TEXT;
