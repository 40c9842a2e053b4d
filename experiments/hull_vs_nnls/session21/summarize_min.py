#!/usr/bin/python3
"""Session 21: minimum us per query over the repetitions of ab_narrow_min.sh's runs, per variant."""
import collections
import json
import sys
from pathlib import Path

folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
variants = ["head", "n1", "n4", "n8", "n16"]
times = collections.defaultdict(lambda: collections.defaultdict(list))
for v in variants:
    for path in sorted(folder.glob(f"min_{v}_round*.json")):
        for b in json.loads(path.read_text())["benchmarks"]:
            if b.get("run_type") == "iteration":
                times[b["run_name"]][v].append(b["us_per_query"])
print("| benchmark | HEAD | kNarrowBatch 1 | 4 | 8 | 16 | 4 / HEAD |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, t in times.items():
    best = {v: min(t[v]) for v in variants}
    print(f"| {name} | " + " | ".join(f"{best[v]:.0f}" for v in variants) + f" | {best['n4'] / best['head']:.2f} |")
