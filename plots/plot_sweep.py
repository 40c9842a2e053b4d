#!/usr/bin/env python3
"""Figures from a `vashista sweep` run.

usage: plot_sweep.py SWEEP.csv SWEEP.json OUT_DIR [--queries N]

Writes into OUT_DIR:
  tail_vs_inv_eps.png   measured log10 tail mass outside the face vs Delta/eps, with the bounds
                        (softmax: Theorem S; hull: H1 where eps_hull <= eps0, H2), a few queries per model
  h3_rho_over_eps.png   hull model: rho(eps)/eps vs eps with the ||x'|| line of Theorem H3
  histograms.png        distributions of Delta, kappa/Delta and log10 tightness (bound/measured)
  kernel_error.png      kernel output error and tail bound vs eps (only when the trace had kernel outputs)
Needs Debian's python3-matplotlib and python3-numpy.
"""
import argparse
import csv
import json
import math
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def num(text):
    if text in ("", None):
        return math.nan
    return float(text)


def legend_or_note(ax, note="no values for this panel in this run", **legend_args):
    """A legend when the panel drew something labelled, else `note` in the panel (matplotlib warns about
    an empty legend, and an empty panel would look broken)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**legend_args)
    else:
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color="0.4")


def load_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def group_queries(rows, model):
    groups = defaultdict(list)
    for r in rows:
        if r["model"] == model:
            groups[(r["stream"], int(r["query"]))].append(r)
    return groups


def pick(groups, count):
    """A deterministic, spread-out choice of queries with a finite gap."""
    keys = [k for k, rs in sorted(groups.items()) if any(math.isfinite(num(r["delta"])) for r in rs)]
    if len(keys) <= count:
        return keys
    step = len(keys) / count
    return [keys[int(i * step)] for i in range(count)]


def plot_tails(rows, out_dir, count, max_ratio=120.0):
    """log10 m_out against Delta/eps (dimensionless), so that queries of very different gaps share one
    axis: exp(-Delta/eps) is the line of slope -1/ln(10); H1/H2 prove at least half that slope."""
    models = [m for m in ("softmax", "hull") if any(r["model"] == m for r in rows)]
    if not models:
        return None
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.8), squeeze=False)
    for ax, model in zip(axes[0], models):
        groups = group_queries(rows, model)
        eps_col = "eps_hull" if model == "hull" else "eps"
        for i, key in enumerate(pick(groups, count)):
            rs = [r for r in groups[key] if math.isfinite(num(r["delta"])) and num(r["delta"]) > 0]
            rs = sorted(rs, key=lambda r: -num(r[eps_col]))
            x = [num(r["delta"]) / num(r[eps_col]) for r in rs]
            keep = [j for j, v in enumerate(x) if v <= max_ratio]
            if not keep:
                continue
            x = [x[j] for j in keep]
            rs = [rs[j] for j in keep]
            color = f"C{i % 10}"
            ax.plot(x, [num(r["log10_tail_measured"]) for r in rs], "o-", color=color, ms=3,
                    label=f"{key[0]} q{key[1]} measured")
            if model == "softmax":
                ax.plot(x, [num(r["log10_tail_bound"]) for r in rs], "--", color=color, lw=1)
            else:
                ax.plot(x, [num(r["log10_tail_h2"]) for r in rs], "--", color=color, lw=1)
                h1 = [num(r["log10_tail_h1"]) for r in rs]
                if any(math.isfinite(v) for v in h1):
                    ax.plot(x, h1, ":", color=color, lw=1.8)
        xs = [0, max_ratio]
        ax.plot(xs, [-v / math.log(10) for v in xs], "k-", lw=0.8, label="exp(-Delta/eps)")
        ax.plot([], [], "k--", lw=1, label="Theorem S bound" if model == "softmax" else "H2 bound")
        if model == "hull":
            ax.plot([], [], "k:", lw=1.8, label="H1 bound (eps <= eps0)")
        ax.set_xlim(0, max_ratio)
        ax.set_ylim(-max_ratio / math.log(10) - 5, 5)
        ax.set_xlabel("Delta / eps" + ("_hull" if model == "hull" else ""))
        ax.set_ylabel("log10 mass outside the face")
        ax.set_title(f"{model} model: tail mass vs Delta/eps (dashed/dotted: bounds)")
        ax.grid(True, alpha=0.3)
        legend_or_note(ax, fontsize=6, loc="lower left")
    fig.tight_layout()
    path = os.path.join(out_dir, "tail_vs_inv_eps.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_h3(rows, out_dir, count):
    groups = group_queries(rows, "hull")
    chosen = [k for k in pick(groups, count) if any(math.isfinite(num(r["xprime_norm"])) for r in groups[k])]
    if not chosen:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    for i, key in enumerate(chosen):
        rs = sorted(groups[key], key=lambda r: num(r["eps_hull"]))
        rs = [r for r in rs if math.isfinite(num(r["rho_over_eps"]))]
        if not rs:
            continue
        color = f"C{i % 10}"
        ax.plot([num(r["eps_hull"]) for r in rs], [num(r["rho_over_eps"]) for r in rs], "o-", ms=3, color=color,
                label=f"{key[0]} q{key[1]}: rho/eps")
        xp = num(rs[0]["xprime_norm"])
        ax.axhline(xp, color=color, ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eps_hull")
    ax.set_ylabel("rho(eps)/eps  (dashed: ||x'|| of Theorem H3)")
    ax.set_title("Face error is linear in eps (Theorem H3)")
    ax.grid(True, alpha=0.3)
    legend_or_note(ax, fontsize=6)
    fig.tight_layout()
    path = os.path.join(out_dir, "h3_rho_over_eps.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_histograms(rows, report, out_dir):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for model, color in (("softmax", "C0"), ("hull", "C1")):
        seen = {}
        for r in rows:
            if r["model"] == model and math.isfinite(num(r["delta"])):
                seen[(r["stream"], r["query"])] = num(r["delta"])
        deltas = [v for v in seen.values() if v > 0]
        if deltas:
            axes[0].hist([math.log10(v) for v in deltas], bins=30, alpha=0.6, color=color, label=model)
        ratios = [f["kappa_over_delta"] for f in report.get("fits", [])
                  if f["model"] == model and f["kappa_over_delta"] is not None]
        if ratios:
            axes[1].hist([min(v, 2.5) for v in ratios], bins=50, range=(0, 2.5), histtype="step", lw=1.8,
                         color=color, label=f"{model} (values > 2.5 drawn at 2.5)")
        tight = [num(r["log10_tightness"]) for r in rows if r["model"] == model and math.isfinite(num(r["log10_tightness"]))]
        if tight:
            axes[2].hist(tight, bins=40, histtype="step", lw=1.8, color=color, label=model)
            axes[2].set_yscale("log")
    axes[0].set_xlabel("log10 Delta (support gap)")
    axes[1].set_xlabel("kappa / Delta (fitted decay rate; 1 = exp(-Delta/eps), 0.5 = H1/H2 rate)")
    axes[1].axvline(1.0, color="k", lw=0.8)
    axes[1].axvline(0.5, color="k", lw=0.8, ls=":")
    axes[2].set_xlabel("log10 tightness = log10(bound / measured)")
    notes = ["no query with a finite Delta",
             "no decay fit: a fit needs 3 or more\nresolved temperatures per query\n(decay_fit.hpp): sweep more eps values",
             "no finite tightness"]
    for ax, note in zip(axes, notes):
        ax.set_ylabel("count")
        ax.grid(True, alpha=0.3)
        legend_or_note(ax, note, fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, "histograms.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_kernel(report, out_dir):
    kernel = report.get("kernel", [])
    if not kernel:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    by_stream = defaultdict(list)
    for k in kernel:
        by_stream[k["stream"]].append(k)
    for i, (stream, ks) in enumerate(sorted(by_stream.items())[:8]):
        ks.sort(key=lambda k: k["eps"])
        color = f"C{i % 10}"
        eps = [k["eps"] for k in ks]
        err = [k["output_error_p50"] if k["output_error_p50"] is not None else math.nan for k in ks]
        bound = [10 ** k["log10_tail_bound_p50"] if k["log10_tail_bound_p50"] is not None else math.nan for k in ks]
        ax.plot(eps, err, "o-", color=color, ms=3, label=f"{stream}: output error p50")
        ax.plot(eps, bound, "--", color=color, lw=1, label=f"{stream}: tail_bound p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eps (softmax temperature)")
    ax.set_ylabel("||o_kernel - o_dense|| and tail bound")
    ax.set_title("Sparse kernel error vs temperature")
    ax.grid(True, alpha=0.3)
    legend_or_note(ax, fontsize=6)
    fig.tight_layout()
    path = os.path.join(out_dir, "kernel_error.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("report")
    parser.add_argument("out_dir")
    parser.add_argument("--queries", type=int, default=6, help="queries drawn per model in the line plots")
    args = parser.parse_args(argv)
    rows = load_rows(args.csv)
    with open(args.report) as f:
        report = json.load(f)
    os.makedirs(args.out_dir, exist_ok=True)
    written = [plot_tails(rows, args.out_dir, args.queries), plot_h3(rows, args.out_dir, args.queries),
               plot_histograms(rows, report, args.out_dir), plot_kernel(report, args.out_dir)]
    for path in written:
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
