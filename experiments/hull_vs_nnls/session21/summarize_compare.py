#!/usr/bin/python3
"""Ratios of compare.py runs, one value per run (files FOLDER/PATTERN, default compare_devbox*.json: the
development box's runs of sessions 21-22; session 23 added PATTERN and --median).

Per instance: time per query / one pass (the <= 3x target; median over queries) for single, stream-norm
and batch solves, and NNLS time / ours (the >= 30x target).
With --median: median [min-max] over the runs instead of every run's value. With --before: ratios to
pass_before_s (session 28's time_hull: the passes made before any solve, the estimate of sessions up to 27)
instead of pass_s (since session 28 the passes made between the solves).
  summarize_compare.py FOLDER [PATTERN] [--median] [--before]"""
import json
import statistics
import sys
from pathlib import Path

args = [a for a in sys.argv[1:] if a not in ("--median", "--before")]
as_median = "--median" in sys.argv[1:]
pass_key = "pass_before_s" if "--before" in sys.argv[1:] else "pass_s"
folder = Path(args[0] if args else ".")
pattern = args[1] if len(args) > 1 else "compare_devbox*.json"
rows = {}
for path in sorted(folder.glob(pattern)):
    for r in json.loads(path.read_text()):
        single = statistics.median(r["vashista_s"])
        stream = statistics.median(r["vashista_stream_s"])
        nnls = statistics.median(r["nnls_s"])
        rows.setdefault((r["kind"], r["n"]), []).append(
            (single / r[pass_key], stream / r[pass_key], r["batch_s"] / r[pass_key],
             nnls / single, nnls / stream, nnls / r["batch_s"]))
print("| instance | n | pass ratio: single | stream norms | batch | NNLS / single | NNLS / stream norms | NNLS / batch |")
print("|---|---:|---|---|---|---|---|---|")
for (kind, n), runs in sorted(rows.items(), key=lambda kv: (kv[0][0] != "planted", kv[0][1])):
    def cell(c):
        fmt = "{:.2f}" if c < 3 else "{:.1f}"
        values = [run[c] for run in runs]
        if as_median:
            return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"
        return " / ".join(fmt.format(v) for v in values)
    cols = [cell(c) for c in range(6)]
    print(f"| {kind} | {n} | " + " | ".join(cols) + " |")
