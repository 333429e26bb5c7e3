#!/usr/bin/env python3
"""Pairwise and B-cubed precision/recall/F1 of a clustering (record_id,cluster_id) against the
truth written by gen_dedupe_data.py (record_id,entity_id). Stdlib only.

    python3 scripts/dedupe_eval.py --truth /tmp/vn100k.truth.csv --clusters clusters.csv
"""
import argparse
import csv
from collections import Counter, defaultdict


def read(path, col):
    with open(path, encoding="utf-8", newline="") as f:
        return {r["record_id"]: r[col] for r in csv.DictReader(f)}


def pairs(n):
    return n * (n - 1) // 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--clusters", required=True)
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    truth = read(a.truth, "entity_id")
    pred = read(a.clusters, "cluster_id")
    missing = len(set(truth) - set(pred))
    cells = Counter((pred.get(r, "missing:" + r), e) for r, e in truth.items())
    psize = Counter(pred.get(r, "missing:" + r) for r in truth)
    tsize = Counter(truth.values())
    tp = sum(pairs(n) for n in cells.values())
    pp = sum(pairs(n) for n in psize.values())
    tt = sum(pairs(n) for n in tsize.values())
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    # B-cubed
    bp = br = 0.0
    for (c, e), n in cells.items():
        bp += n * n / psize[c]
        br += n * n / tsize[e]
    bp /= len(truth)
    br /= len(truth)
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    print(f"{a.label} records={len(truth)} missing_in_output={missing} true_pairs={tt} predicted_pairs={pp} "
          f"P={p:.4f} R={r:.4f} F1={f1:.4f} bcubed_P={bp:.4f} bcubed_R={br:.4f} bcubed_F1={bf:.4f}")


if __name__ == "__main__":
    main()
