#!/usr/bin/env python3
"""Figures and a markdown summary from `vashista certify --per-query` CSV files.

usage: plot_certify.py [--no-table] OUT_DIR CERTIFY.csv [CERTIFY.csv ...]

(`vashista certify TRACE --plot DIR` runs it with --no-table on the run's CSV.) Writes into OUT_DIR:
  delta_by_stream.png        log10 support gap Delta per stream (softmax and hull models)
  face_by_stream.png         active-face size per stream (both models)
  support_vs_context.png     k_eff(delta) of the softmax model and hull face size vs context length n
  safe_by_stream.png         fraction of queries certified safe at delta (both models)
  summary.md                 per-stream table (also printed, unless --no-table; then the figures' paths are)
Rows come from one eps (the certify run's); kernel rows are summarised separately in the table.
Needs Debian's python3-matplotlib.
"""
import argparse
import csv
import math
import os
import re
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def num(text):
    return math.nan if text in ("", None) else float(text)


def quantile(values, q):
    values = sorted(v for v in values if math.isfinite(v))
    if not values:
        return math.nan
    pos = q * (len(values) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def stream_key(name):
    """Sort streams by (layer, head, name) when the name says L<layer>_H<head>."""
    m = re.search(r"L(\d+)_H(\d+)", name)
    return (int(m.group(1)), int(m.group(2)), name) if m else (1 << 30, 0, name)


def load(paths):
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def per_stream(rows, model, column):
    out = defaultdict(list)
    for r in rows:
        if r["model"] == model:
            out[r["stream"]].append(num(r[column]))
    return out


def boxplot(rows, column, transform, ylabel, title, path):
    fig, ax = plt.subplots(figsize=(max(8, 0.45 * len({r["stream"] for r in rows})), 4.8))
    streams = sorted({r["stream"] for r in rows if r["model"] in ("softmax", "hull")}, key=stream_key)
    for offset, (model, color) in ((-0.2, ("softmax", "C0")), (0.2, ("hull", "C1"))):
        if not any(r["model"] == model for r in rows):
            continue  # the run did not certify this model (--model)
        data = per_stream(rows, model, column)
        series = [[transform(v) for v in data.get(s, []) if math.isfinite(v) and v > 0] for s in streams]
        positions = [i + offset for i in range(len(streams))]
        keep = [(p, s) for p, s in zip(positions, series) if s]
        if keep:
            bp = ax.boxplot([s for _, s in keep], positions=[p for p, _ in keep], widths=0.35, patch_artist=True,
                            showfliers=False)
            for patch in bp["boxes"]:
                patch.set_facecolor(color)
                patch.set_alpha(0.5)
        ax.plot([], [], color=color, lw=6, alpha=0.5, label=model)
    ax.set_xticks(range(len(streams)))
    ax.set_xticklabels(streams, rotation=90, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def support_vs_context(rows, path):
    fig, ax = plt.subplots(figsize=(7, 4.8))
    for model, column, color, label in (("softmax", "k_eff", "C0", "softmax k_eff(delta) at eps"),
                                        ("hull", "face_size", "C1", "hull active face |F|"),
                                        ("softmax", "face_size", "C2", "softmax exact-tie face")):
        by_n = defaultdict(list)
        for r in rows:
            if r["model"] == model:
                n = int(r["n"])
                bucket = 2 ** round(math.log2(n))  # decode steps near 1k, 2k, 4k, 8k share a bucket
                by_n[bucket].append(num(r[column]))
        if not by_n:
            continue
        xs = sorted(by_n)
        ax.plot(xs, [quantile(by_n[x], 0.5) for x in xs], "o-", color=color, label=label + " (median)")
        ax.fill_between(xs, [quantile(by_n[x], 0.1) for x in xs], [quantile(by_n[x], 0.9) for x in xs],
                        color=color, alpha=0.15)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("context length n (keys visible to the query)")
    ax.set_ylabel("tokens (band: 10th-90th percentile)")
    ax.set_title("Effective support vs context length")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def safe_by_stream(rows, path):
    streams = sorted({r["stream"] for r in rows}, key=stream_key)
    fig, ax = plt.subplots(figsize=(max(8, 0.45 * len(streams)), 4.2))
    for offset, (model, color) in ((-0.2, ("softmax", "C0")), (0.2, ("hull", "C1"))):
        if not any(r["model"] == model for r in rows):
            continue  # not certified in this run: no bar, rather than a bar at 0
        fractions = []
        for s in streams:
            rs = [r for r in rows if r["stream"] == s and r["model"] == model]
            fractions.append(sum(r["safe"] == "true" for r in rs) / len(rs) if rs else 0.0)
        ax.bar([i + offset for i in range(len(streams))], fractions, width=0.4, color=color, alpha=0.7, label=model)
    ax.set_xticks(range(len(streams)))
    ax.set_xticklabels(streams, rotation=90, fontsize=7)
    ax.set_ylabel("fraction of queries certified safe")
    ax.set_ylim(0, 1)
    eps = sorted({r["eps"] for r in rows if r["model"] in ("softmax", "hull")})
    ax.set_title("Certified safe at delta (bound <= delta), eps = " + ", ".join(eps))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def summary_table(rows):
    lines = ["| stream | model | queries | Δ p10 / p50 / p90 | face p50 / max | k_eff p50 / p90 | safe | violations | statuses |",
             "|---|---|---:|---|---|---|---:|---:|---|"]
    groups = defaultdict(list)
    for r in rows:
        groups[(r["stream"], r["model"])].append(r)
    for (stream, model), rs in sorted(groups.items(), key=lambda kv: (stream_key(kv[0][0]), kv[0][1])):
        deltas = [num(r["delta"]) for r in rs]
        faces = [num(r["face_size"]) for r in rs]
        keff = [num(r["k_eff"]) for r in rs]
        statuses = defaultdict(int)
        for r in rs:
            statuses[r["status"]] += 1
        safe = sum(r["safe"] == "true" for r in rs) / len(rs)
        violations = sum(r["bound_holds"] == "false" for r in rs)
        fmt = lambda v: "-" if not math.isfinite(v) else f"{v:.3g}"  # noqa: E731
        lines.append(f"| {stream} | {model} | {len(rs)} | {fmt(quantile(deltas, .1))} / {fmt(quantile(deltas, .5))} / "
                     f"{fmt(quantile(deltas, .9))} | {fmt(quantile(faces, .5))} / {fmt(max(faces))} | "
                     f"{fmt(quantile(keff, .5))} / {fmt(quantile(keff, .9))} | {100 * safe:.0f}% | {violations} | "
                     + " ".join(f"{k}={v}" for k, v in sorted(statuses.items())) + " |")
    return "\n".join(lines) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-table", action="store_true", help="print the written files' paths, not the table")
    parser.add_argument("out_dir")
    parser.add_argument("csv", nargs="+")
    args = parser.parse_args(argv)
    out_dir = args.out_dir
    os.makedirs(out_dir, exist_ok=True)
    rows = load(args.csv)
    written = [os.path.join(out_dir, name) for name in
               ("delta_by_stream.png", "face_by_stream.png", "support_vs_context.png", "safe_by_stream.png", "summary.md")]
    boxplot(rows, "delta", math.log10, "log10 Delta", "Support gap per stream", written[0])
    boxplot(rows, "face_size", lambda v: v, "|F|", "Active face size per stream", written[1])
    support_vs_context(rows, written[2])
    safe_by_stream(rows, written[3])
    table = summary_table(rows)
    with open(written[4], "w") as f:
        f.write(table)
    print("\n".join(written) if args.no_table else table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
