#!/usr/bin/python3
"""Session 21: ratios of compare.py's runs on the development box (compare_devbox*.json).

Per instance: time per query / one pass (the ratio of the <= 3x target; median over queries) for
single, stream-norm and batch solves, and NNLS time / ours (the >= 30x target), one value per run."""
import json
import statistics
import sys
from pathlib import Path

folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
rows = {}
for path in sorted(folder.glob("compare_devbox*.json")):
    for r in json.loads(path.read_text()):
        single = statistics.median(r["vashista_s"])
        stream = statistics.median(r["vashista_stream_s"])
        nnls = statistics.median(r["nnls_s"])
        rows.setdefault((r["kind"], r["n"]), []).append(
            (single / r["pass_s"], stream / r["pass_s"], r["batch_s"] / r["pass_s"],
             nnls / single, nnls / stream, nnls / r["batch_s"]))
print("| instance | n | pass ratio: single | stream norms | batch | NNLS / single | NNLS / stream norms | NNLS / batch |")
print("|---|---:|---|---|---|---|---|---|")
for (kind, n), runs in sorted(rows.items(), key=lambda kv: (kv[0][0] != "planted", kv[0][1])):
    cols = [" / ".join(f"{run[c]:.2f}" if c < 3 else f"{run[c]:.1f}" for run in runs) for c in range(6)]
    print(f"| {kind} | {n} | " + " | ".join(cols) + " |")
