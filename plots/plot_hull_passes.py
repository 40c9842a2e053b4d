#!/usr/bin/env python3
"""Exact hull projection: time per query in passes over K, per column of compare.py's runs.

usage: plot_hull_passes.py TITLE OUT.png COMPARE.json...
COMPARE.json: files written by experiments/hull_vs_nnls/compare.py --out (one run each). For every
instance (planted / far) and n, one group of bars: the median over the runs of each column's median time
per query divided by that run's pass_s (single solve; with the stream's norms; with the stream's norms
and 16-bit copy, when the run has that column; batch), the bar's whiskers spanning the runs' range, and
the issue's target (3 passes) as a line. The figure is written next to OUT.png and renamed into place.
"""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = [("vashista_s", "single"), ("vashista_stream_s", "stream norms"),
           ("vashista_stream_copy_s", "stream norms + 16-bit copy"), ("batch_s", "batch (8 queries)")]


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    title, out, paths = argv[0], argv[1], argv[2:]
    ratios = {}  # (kind, n) -> column -> [passes per run]
    for path in paths:
        with open(path) as f:
            for row in json.load(f):
                cell = ratios.setdefault((row["kind"], row["n"]), {})
                for key, _ in COLUMNS:
                    value = row.get(key)
                    if isinstance(value, list):
                        value = statistics.median(value) if value else None
                    if value is not None:
                        cell.setdefault(key, []).append(value / row["pass_s"])
    cells = sorted(ratios, key=lambda c: (c[0] != "planted", c[1]))
    columns = [(k, label) for k, label in COLUMNS if any(k in ratios[c] for c in cells)]
    width = 0.8 / len(columns)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for j, (key, label) in enumerate(columns):
        xs, mids, lows, highs = [], [], [], []
        for i, cell in enumerate(cells):
            values = ratios[cell].get(key)
            if not values:
                continue
            mid = statistics.median(values)
            xs.append(i + (j - (len(columns) - 1) / 2) * width)
            mids.append(mid)
            lows.append(mid - min(values))
            highs.append(max(values) - mid)
        ax.bar(xs, mids, width, yerr=[lows, highs], capsize=3, label=label)
    ax.axhline(3.0, color="black", linestyle="--", linewidth=1, label="target: 3 passes")
    ax.set_xticks(range(len(cells)))
    ax.set_xticklabels([f"{kind}\nn = {n}" for kind, n in cells])
    ax.set_ylabel("time per query / one pass K r")
    ax.set_title(f"{title}\n{len(paths)} runs; bar = median, whiskers = range", fontsize=11)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
