#!/usr/bin/env python3
"""Splink (DuckDB backend) on Chung Tay's dedupe input format — the peer to beat.

Copied from ../shared/bench/peers/splink_dedupe.py and configured further for the
benchmark in docs/benchmarks.md ("as well as a skilled user would"):
* a village comparison and term-frequency adjustment on the full name as well as the given name;
* `--blocking tight` replaces `given+birth_year` by `given+dob` and `given+commune+birth_year`:
  at 10^6 records `given+birth_year` alone yields hundreds of millions of pairs (perf-anchors.md
  §A.5: 85 M of 107 M pairs at 474 k records), which a skilled user would not accept;
* the link threshold is a parameter, tuned on the 100 k file (the same protocol as ours);
* the record's source is compared (exact match, m and u by EM), as `chungtay dedupe` does: one
  source seldom lists the same child twice.

Input: CSV with header record_id,source,full_name,birth_date,sex,commune_code,village,guardian_name,personal_id
Output: CSV record_id,cluster_id for every input record, like `chungtay dedupe`.

    python3 -m venv .venv-peers && .venv-peers/bin/pip install 'splink>=4' duckdb pandas
    .venv-peers/bin/python splink_dedupe.py --input records.csv --output clusters.csv [--threads 2]

Prints the time of each phase. The same standardisation is applied to every record before Splink
sees it (NFC, one tone-mark placement, accents folded for the *_ascii columns, dates parsed), so the
comparison is between linkage engines, not between cleaning steps. Improve the configuration if you
can: the peer should be as good as its users would make it.
"""
import argparse
import csv
import re
import time
import unicodedata

# old-style -> new-style tone placement at the end of a syllable (hoà -> hòa, thuỷ -> thủy)
TONE_NEW = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
            "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
            "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}


def norm_name(s):
    s = unicodedata.normalize("NFC", s or "").lower().strip()
    s = re.sub(r"\s+", " ", s)
    for k, v in TONE_NEW.items():
        s = re.sub(k + r"(?=\s|$)", v, s)
    return s or None


def fold(s):
    if not s:
        return None
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in s if unicodedata.category(c) != "Mn") or None


def parse_date(s):
    s = (s or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}", m[1]
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
    if m:
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if mo > 12 and d <= 12:
            d, mo = mo, d
        return f"{y:04d}-{mo:02d}-{d:02d}", str(y)
    if re.fullmatch(r"\d{4}", s):
        return None, s
    return None, None


def sex_of(s):
    s = (s or "").strip().lower()
    return {"nam": "m", "m": "m", "nữ": "f", "nu": "f", "f": "f"}.get(s)


def standardise(r):
    n = norm_name(r["full_name"])
    toks = n.split() if n else []
    dob, year = parse_date(r["birth_date"])
    a = fold(n)
    return dict(unique_id=r["record_id"], name_ascii=a,
                family_ascii=fold(toks[0]) if toks else None,
                given=toks[-1] if toks else None, given_ascii=fold(toks[-1]) if toks else None,
                village=fold(norm_name(r.get("village", ""))),
                name_sorted=" ".join(sorted(a.split())) if a else None,
                sex=sex_of(r["sex"]), dob=dob, birth_year=year,
                commune=(r["commune_code"] or "").strip() or None,
                guardian=fold(norm_name(r["guardian_name"])),
                pid=(r["personal_id"] or "").strip() or None,
                source=(r.get("source") or "").strip() or None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=0.99)
    ap.add_argument("--blocking", choices=["default", "tight"], default="tight")
    ap.add_argument("--extra-thresholds", default="",
                    help="comma-separated further cluster thresholds; writes OUTPUT.<t>.csv for each (tuning)")
    a = ap.parse_args()

    import duckdb
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t0 = time.perf_counter()
    with open(a.input, encoding="utf-8", newline="") as f:
        df = pd.DataFrame([standardise(r) for r in csv.DictReader(f)])
    t1 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads={a.threads}")
    db = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("pid"),
            *([block_on("given_ascii", "birth_year")] if a.blocking == "default" else
              [block_on("given_ascii", "dob"), block_on("given_ascii", "commune", "birth_year")]),
            block_on("family_ascii", "given_ascii", "commune"),
            block_on("name_sorted"),
            block_on("guardian", "birth_year"),
            block_on("dob", "commune"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_ascii", [0.95, 0.88]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("given").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("commune"),
            cl.ExactMatch("village"),
            cl.JaroWinklerAtThresholds("guardian", [0.9]),
            cl.LevenshteinAtThresholds("pid", [1]),
            cl.ExactMatch("source"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(df, settings, db_api=db) if _linker_takes_db_api(Linker) else Linker(db.register(df), settings)
    linker.training.estimate_probability_two_random_records_match([block_on("pid")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("pid"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_sorted", "dob"))
    t2 = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=0.5)
    t3 = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, a.threshold).as_pandas_dataframe()
    t4 = time.perf_counter()
    with open(a.output, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "cluster_id"])
        for rid, cid in zip(clusters["unique_id"], clusters["cluster_id"]):
            w.writerow([rid, cid])
    for t in [float(x) for x in a.extra_thresholds.split(",") if x]:
        c = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, t).as_pandas_dataframe()
        with open(f"{a.output}.{t}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["record_id", "cluster_id"])
            for rid, cid in zip(c["unique_id"], c["cluster_id"]):
                w.writerow([rid, cid])
    print(f"records={len(df)} standardise={t1 - t0:.1f}s train={t2 - t1:.1f}s predict={t3 - t2:.1f}s "
          f"cluster={t4 - t3:.1f}s total={t4 - t0:.1f}s")


def _linker_takes_db_api(linker_cls):
    import inspect
    return "db_api" in inspect.signature(linker_cls.__init__).parameters


if __name__ == "__main__":
    main()
