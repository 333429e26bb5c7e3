-- Age bands as data (R6: "mầm non 3–5, tiểu học 6–10, others
-- configurable"). Postgres flavour; keep in parity with
-- ../sqlite/0013_age_bands.sql.
--
-- packages.age_band and pledges.age_bands hold these codes; storage refuses
-- a code with no row here. The three built-in bands are seeded and never
-- deleted; the coordinator adds others (e.g. thcs 11–14) whose ages may not
-- overlap another band's. "other" is the catch-all: no ages of its own.
CREATE TABLE age_bands (
    code        TEXT PRIMARY KEY,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    min_age     BIGINT,            -- NULL only for the catch-all "other"
    max_age     BIGINT,
    built_in    BOOLEAN NOT NULL,
    position    BIGINT NOT NULL,   -- display order
    created_by  TEXT,              -- NULL for the seeded bands
    created_at  TIMESTAMPTZ
);

INSERT INTO age_bands (code, name_vi, name_en, min_age, max_age, built_in, position) VALUES
    ('preschool', 'Mầm non (3–5 tuổi)', 'Preschool (3–5)', 3, 5, TRUE, 10),
    ('primary', 'Tiểu học (6–10 tuổi)', 'Primary (6–10)', 6, 10, TRUE, 20),
    ('other', 'Độ tuổi khác', 'Other ages', NULL, NULL, TRUE, 1000);
