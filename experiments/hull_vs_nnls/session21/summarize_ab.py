#!/usr/bin/python3
"""Session 21: table of ab_narrow.sh's runs (median us per query and ratio, HEAD vs the working tree)."""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
runs = {}
for variant in ("head", "new"):
    for rnd in (1, 2):
        data = json.loads((out / f"ab_{variant}_round{rnd}.json").read_text())
        for b in data["benchmarks"]:
            if b.get("aggregate_name") == "median":
                runs.setdefault(b["run_name"], {})[(variant, rnd)] = (b["us_per_query"], b["ratio"])
print("| benchmark | HEAD us/query (round 1 / 2) | new us/query | HEAD ratio | new ratio | new / HEAD time |")
print("|---|---|---|---|---|---|")
for name, r in runs.items():
    h = [r[("head", k)] for k in (1, 2)]
    n = [r[("new", k)] for k in (1, 2)]
    speed = " / ".join(f"{n[k][0] / h[k][0]:.2f}" for k in (0, 1))
    print(f"| {name} | {h[0][0]:.0f} / {h[1][0]:.0f} | {n[0][0]:.0f} / {n[1][0]:.0f} | "
          f"{h[0][1]:.2f} / {h[1][1]:.2f} | {n[0][1]:.2f} / {n[1][1]:.2f} | {speed} |")
