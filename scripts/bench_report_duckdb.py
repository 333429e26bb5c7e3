#!/usr/bin/env python3
"""The DuckDB side of `chungtay report bench` (docs/benchmarks.md, "Reporting").

Reads a spec written by the bench (JSON: the tables exported as CSV with
their column types, the report's queries with their parameters, the number
of runs), loads the tables into an in-memory DuckDB, runs every query `runs`
times and writes, per query, the median time and the rows (as text) to the
output JSON. The queries are the very SQL text that SQLite and PostgreSQL
run: `$1…$n` placeholders, bound here with typed values.

    python bench_report_duckdb.py SPEC.json OUT.json
"""
import datetime
import json
import statistics
import sys
import time

import duckdb

TYPES = {"text": "VARCHAR", "int": "BIGINT", "bool": "BOOLEAN", "date": "DATE", "instant": "TIMESTAMP"}


def param(p):
    kind, value = p["type"], p["value"]
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "instant":
        return datetime.datetime.fromisoformat(value.replace("Z", "")).replace(tzinfo=None)
    return value


def text(v):
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return str(v)


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    con = duckdb.connect(":memory:")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    load = {}
    for t in spec["tables"]:
        cols = ", ".join(f"'{c}': '{TYPES[ty]}'" for c, ty in t["columns"])
        started = time.perf_counter()
        con.execute(
            f"CREATE TABLE {t['name']} AS SELECT * FROM read_csv('{t['csv']}', header = true, "
            f"columns = {{{cols}}}, nullstr = '', quote = '\"', escape = '\"')"
        )
        load[t["name"]] = time.perf_counter() - started
    # The rows that still count (migration 0012_reversals), as on the database.
    for view, table, kind in (("live_receipts", "receipts", "receipt"),
                              ("live_allocations", "allocations", "allocation")):
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM {table} x WHERE NOT EXISTS "
            f"(SELECT 1 FROM reversals v WHERE v.kind = '{kind}' AND v.target_id = x.id)"
        )
    results = []
    for q in spec["queries"]:
        params = [param(p) for p in q["params"]]
        times, rows = [], None
        for _ in range(spec["runs"]):
            started = time.perf_counter()
            rows = con.execute(q["sql"], params).fetchall()
            times.append(time.perf_counter() - started)
        results.append({
            "name": q["name"],
            "median_s": statistics.median(times),
            "rows": [[text(v) for v in row] for row in rows],
        })
    json.dump({"duckdb": duckdb.__version__, "threads": threads, "load_s": load, "queries": results},
              open(sys.argv[2], "w", encoding="utf-8"))


if __name__ == "__main__":
    main()
