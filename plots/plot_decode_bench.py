#!/usr/bin/env python3
"""Decode latency vs context length T from the GPU benchmark (experiments/gpu/run_gpu.sh).

usage: plot_decode_bench.py BENCH_SPARSE.csv BENCH_SDPA.csv OUT.png
One panel per batch size: the sparse kernel (flat and hierarchical routing) and PyTorch SDPA
(dense), measured in the same run on the same GPU (named in the title).
"""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    series = defaultdict(list)
    devices = set()
    with open(argv[0], newline="") as f:
        for r in csv.DictReader(f):
            series[(int(r["batch"]), f"sparse ({r['mode']})")].append((int(r["T"]), float(r["ms"])))
            devices.add(r["device"])
    with open(argv[1], newline="") as f:
        for r in csv.DictReader(f):
            series[(int(r["batch"]), "dense (PyTorch SDPA)")].append((int(r["T"]), float(r["ms"])))
            devices.add(r["device"])
    batches = sorted({b for b, _ in series})
    fig, axes = plt.subplots(1, len(batches), figsize=(6 * len(batches), 4.5), squeeze=False)
    for ax, batch in zip(axes[0], batches):
        for (b, label), points in sorted(series.items()):
            if b != batch:
                continue
            points.sort()
            ax.plot([t for t, _ in points], [ms for _, ms in points], "o-", label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("context length T (tokens)")
        ax.set_ylabel("decode latency (ms)")
        ax.set_title(f"batch {batch}, 32/8 heads, d = 128, bf16")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Sparse decode vs dense attention on " + ", ".join(sorted(devices)))
    fig.tight_layout()
    fig.savefig(argv[2], dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
