#!/usr/bin/env python3
"""Joins bench_sparse.csv and bench_sdpa.csv into a markdown table (argv: sparse csv, sdpa csv, out.md)."""
import csv
import sys

sparse = {(r["batch"], r["T"]): r for r in csv.DictReader(open(sys.argv[1]))}
try:
    sdpa = {(r["batch"], r["T"]): r for r in csv.DictReader(open(sys.argv[2]))}
except FileNotFoundError:
    sdpa = {}
lines = ["| batch | T | sparse ms | sparse GB read | sparse GB/s (% copy) | SDPA ms | SDPA GB/s (% copy) | speedup |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|"]
for key, s in sparse.items():
    d = sdpa.get(key, {})
    def num(r, k):
        try:
            return float(r[k])
        except (KeyError, ValueError):
            return None
    sm, dm = num(s, "ms"), num(d, "ms")
    sg, dg = num(s, "GBps"), num(d, "GBps")
    sf, df = num(s, "frac_of_copy"), num(d, "frac_of_copy")
    sb = num(s, "bytes_read")
    fmt = lambda x, f: (f.format(x) if x is not None else "n/a")
    lines.append(f"| {key[0]} | {key[1]} | {fmt(sm, '{:.4f}')} | {fmt(sb and sb / 1e9, '{:.3f}')} | "
                 f"{fmt(sg, '{:.0f}')} ({fmt(sf and 100 * sf, '{:.0f}')}%) | {fmt(dm, '{:.4f}')} | "
                 f"{fmt(dg, '{:.0f}')} ({fmt(df and 100 * df, '{:.0f}')}%) | "
                 f"{fmt(dm / sm if (sm and dm) else None, '{:.1f}x')} |")
device = next(iter(sparse.values()))["device"] if sparse else "?"
open(sys.argv[3], "w").write(f"Device: {device}\n\n" + "\n".join(lines) + "\n")
print("\n".join(lines))
