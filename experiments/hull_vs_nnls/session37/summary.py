#!/usr/bin/python3
"""Session 37: median [range] over compare.py runs of each column's passes per query and of NNLS / column.
summary.py FILE.json... [-- FILE.json...]  (groups separated by --)"""
import json
import statistics as S
import sys

groups, cur = [], []
for a in sys.argv[1:]:
    if a == "--":
        groups.append(cur)
        cur = []
    else:
        cur.append(a)
groups.append(cur)
cols = ("vashista_s", "vashista_stream_s", "vashista_stream_copy_s", "batch_s")
names = ("single", "stream norms", "stream copy", "batch")
for g in groups:
    rows = {}
    for p in g:
        for row in json.load(open(p)):
            med = {c: S.median(row[c]) for c in cols[:3] + ("nnls_s",)}
            med["batch_s"] = row["batch_s"]
            r = rows.setdefault((row["kind"], row["n"]), {})
            for c in cols:
                r.setdefault(c, []).append(med[c] / row["pass_s"])
                r.setdefault("nnls/" + c, []).append(med["nnls_s"] / med[c])
    print(f"{len(g)} runs")
    f = lambda v, fmt="%.2f": (fmt % S.median(v)) + " [" + (fmt % min(v)) + "-" + (fmt % max(v)) + "]"
    for (kind, n), r in rows.items():
        print(f"  {kind:8s} n={n:6d} | " + " | ".join(f"{name} {f(r[c])}" for name, c in zip(names, cols))
              + " | NNLS/single " + f(r["nnls/vashista_s"], "%.1f") + " | NNLS/copy " + f(r["nnls/vashista_stream_copy_s"], "%.1f"))
