#!/usr/bin/env python3
"""OR-Tools SimpleMinCostFlow peer for the allocation benchmark (issue #7).

Reads an instance JSON (format of issue #7), builds the full network of
perf-anchors.md B.1 — source -> pledge (cap = value), pledge -> need on every
allowed pair (cap = pledge value, cost 0), need -> sink as two parallel arcs
(first half h = value // 2 at cost -2*priority, the rest at cost -priority),
source -> sink bypass (cost 0) — solves it and prints ONE JSON line:

  {"objective": ..., "arcs": ..., "nodes": ..., "read_s": ..., "build_s": ...,
   "solve_s": ..., "vmhwm_kib": ...}

`solve_s` is the time of SimpleMinCostFlow.solve() only (arrays are handed
over with add_arcs_with_capacity_and_unit_cost, timed in build_s).

With --aggregate it solves the reduced network our solver uses instead
(needs with the same commune/category/age band merged into one class node
whose sink arcs are the merged half-arcs), to separate the gain of the
reduction from the gain of the algorithm.

Run in the venv made by scripts/ortools-venv.sh:
  .venv-ortools/bin/python scripts/bench_allocation_ortools.py instance.json [--aggregate]
"""
import json
import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow

CATS = ["healthcare", "nutrition", "recreation", "warm_clothing", "other"]
AGES = ["preschool", "primary", "other"]


def vmhwm_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main(path, aggregate=False):
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        inst = json.load(f)
    needs, pledges = inst["needs"], inst["pledges"]
    t1 = time.perf_counter()

    n_p = len(pledges)
    # Index needs by signature, and signatures by commune / (category, age).
    by_sig = {}
    for i, n in enumerate(needs):
        by_sig.setdefault((n["commune"], n["category"], n["age_band"]), []).append(i)
    if aggregate:
        # One node per class; sink arcs merged per profit level.
        sig_ids = {k: j for j, k in enumerate(by_sig)}
        n_n = len(sig_ids)
        level_caps = {}
        for k, members in by_sig.items():
            node = 1 + n_p + sig_ids[k]
            for i in members:
                v, pr = needs[i]["value"], needs[i]["priority"]
                h = v // 2
                if h > 0:
                    level_caps[(node, 2 * pr)] = level_caps.get((node, 2 * pr), 0) + h
                level_caps[(node, pr)] = level_caps.get((node, pr), 0) + v - h
        by_sig = {k: np.array([1 + n_p + sig_ids[k]], dtype=np.int32) for k in by_sig}
    else:
        n_n = len(needs)
        by_sig = {k: np.array(v, dtype=np.int32) + 1 + n_p for k, v in by_sig.items()}
    src, sink = 0, 1 + n_p + n_n
    sigs_by_commune = {}
    sigs_by_catage = {}
    for k in by_sig:
        sigs_by_commune.setdefault(k[0], []).append(k)
        sigs_by_catage.setdefault((k[1], k[2]), []).append(k)

    tails, heads, caps, costs = [], [], [], []
    total = sum(p["value"] for p in pledges)
    # source -> pledge, bypass
    tails.append(np.full(n_p, src, dtype=np.int32))
    heads.append(np.arange(1, 1 + n_p, dtype=np.int32))
    caps.append(np.array([p["value"] for p in pledges], dtype=np.int64))
    costs.append(np.zeros(n_p, dtype=np.int64))
    tails.append(np.array([src], dtype=np.int32))
    heads.append(np.array([sink], dtype=np.int32))
    caps.append(np.array([total], dtype=np.int64))
    costs.append(np.zeros(1, dtype=np.int64))
    # pledge -> need
    for j, p in enumerate(pledges):
        cats = set(p["categories"]) if p.get("categories") is not None else None
        ages = set(p["age_bands"]) if p.get("age_bands") is not None else None
        if p.get("communes") is not None:
            cand = [k for c in dict.fromkeys(p["communes"]) for k in sigs_by_commune.get(c, ())]
        else:
            cand = [k for ca in sigs_by_catage.values() for k in ca]
        parts = [by_sig[k] for k in cand
                 if (cats is None or k[1] in cats) and (ages is None or k[2] in ages)]
        if not parts:
            continue
        hs = np.concatenate(parts)
        tails.append(np.full(len(hs), 1 + j, dtype=np.int32))
        heads.append(hs)
        caps.append(np.full(len(hs), p["value"], dtype=np.int64))
        costs.append(np.zeros(len(hs), dtype=np.int64))
    if aggregate:
        keys = list(level_caps)
        tails.append(np.array([k[0] for k in keys], dtype=np.int32))
        heads.append(np.full(len(keys), sink, dtype=np.int32))
        caps.append(np.array([level_caps[k] for k in keys], dtype=np.int64))
        costs.append(-np.array([k[1] for k in keys], dtype=np.int64))
    else:
        # need -> sink, two tiers
        vals = np.array([n["value"] for n in needs], dtype=np.int64)
        prio = np.array([n["priority"] for n in needs], dtype=np.int64)
        half = vals // 2
        nodes = np.arange(1 + n_p, 1 + n_p + n_n, dtype=np.int32)
        tails += [nodes, nodes]
        heads += [np.full(n_n, sink, dtype=np.int32)] * 2
        caps += [half, vals - half]
        costs += [-2 * prio, -prio]
    tails = np.concatenate(tails)
    heads = np.concatenate(heads)
    caps = np.concatenate(caps)
    costs = np.concatenate(costs)

    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_node_supply(src, int(total))
    smcf.set_node_supply(sink, -int(total))
    t2 = time.perf_counter()
    status = smcf.solve()
    t3 = time.perf_counter()
    if status != smcf.OPTIMAL:
        print(json.dumps({"error": f"status {status}"}))
        return 1
    print(json.dumps({
        "objective": -smcf.optimal_cost(),
        "network": "classes" if aggregate else "needs",
        "arcs": int(len(tails)),
        "nodes": int(sink + 1),
        "read_s": t1 - t0,
        "build_s": t2 - t1,
        "solve_s": t3 - t2,
        "vmhwm_kib": vmhwm_kib(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], "--aggregate" in sys.argv[2:]))
