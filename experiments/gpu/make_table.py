#!/usr/bin/env python3
"""Joins bench_sparse.csv (flat and hierarchical routing) and bench_sdpa.csv into a markdown report
(argv: sparse csv, sdpa csv, out.md): latency, speedup over SDPA, bandwidth as % of copy bandwidth, the mean
tail bound of the certificate, latency growth 16k -> 1M, and the GPU name of each benchmark."""
import csv
import sys


def num(r, k):
    try:
        return float(r[k])
    except (KeyError, ValueError, TypeError):
        return None


def fmt(x, f):
    return f.format(x) if x is not None else "n/a"


rows = list(csv.DictReader(open(sys.argv[1])))
sparse = {(r["mode"], r["batch"], r["T"]): r for r in rows}
try:
    sdpa_rows = list(csv.DictReader(open(sys.argv[2])))
except FileNotFoundError:
    sdpa_rows = []
sdpa = {(r["batch"], r["T"]): r for r in sdpa_rows}
keys = []
for r in rows:
    if (r["batch"], r["T"]) not in keys:
        keys.append((r["batch"], r["T"]))
dev_sparse = rows[0]["device"] if rows else "?"
dev_sdpa = sdpa_rows[0]["device"] if sdpa_rows else "n/a"
first = rows[0] if rows else {}
out = [f"Device (sparse kernel): {dev_sparse}  ",
       f"Device (PyTorch SDPA): {dev_sdpa}  ",
       f"Copy bandwidth: {fmt(num(first, 'copy_GBps'), '{:.0f}')} GB/s. 32 query / 8 KV heads, d = 128, bf16, page 16, "
       f"P = {first.get('page_budget', '?')}; hierarchical: {first.get('superpage', '?')} pages per super-page, "
       f"R = {first.get('refine', '?')} refined.",
       "",
       "| batch | T | flat ms | hier ms | SDPA ms | flat speedup | hier speedup | flat GB/s (% copy) | hier GB/s (% copy) "
       "| flat GB read | hier GB read | mean tail bound flat / hier |",
       "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for b, t in keys:
    f, h, d = sparse.get(("flat", b, t), {}), sparse.get(("hierarchical", b, t), {}), sdpa.get((b, t), {})
    fm, hm, dm = num(f, "ms"), num(h, "ms"), num(d, "ms")
    def bw(r):
        g, fr = num(r, "GBps"), num(r, "frac_of_copy")
        return f"{fmt(g, '{:.0f}')} ({fmt(fr and 100 * fr, '{:.0f}')}%)"
    out.append(f"| {b} | {t} | {fmt(fm, '{:.4f}')} | {fmt(hm, '{:.4f}')} | {fmt(dm, '{:.4f}')} | "
               f"{fmt(dm / fm if (fm and dm) else None, '{:.1f}x')} | {fmt(dm / hm if (hm and dm) else None, '{:.1f}x')} | "
               f"{bw(f)} | {bw(h)} | {fmt(num(f, 'bytes_read') and num(f, 'bytes_read') / 1e9, '{:.3f}')} | "
               f"{fmt(num(h, 'bytes_read') and num(h, 'bytes_read') / 1e9, '{:.3f}')} | "
               f"{fmt(num(f, 'mean_tail_bound'), '{:.3g}')} / {fmt(num(h, 'mean_tail_bound'), '{:.3g}')} |")
out.append("")
out.append("Latency growth T = 16384 -> 1048576:")
for b in sorted({k[0] for k in keys}, key=int):
    parts = []
    for mode in ("flat", "hierarchical"):
        lo, hi = num(sparse.get((mode, b, "16384"), {}), "ms"), num(sparse.get((mode, b, "1048576"), {}), "ms")
        parts.append(f"{mode} {fmt(hi / lo if (lo and hi) else None, '{:.2f}x')}")
    out.append(f"- batch {b}: " + ", ".join(parts))
open(sys.argv[3], "w").write("\n".join(out) + "\n")
print("\n".join(out))
