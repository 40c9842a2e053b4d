#!/usr/bin/env python3
"""Summarise ab_gemm_buffer.sh output: per benchmark, each variant's per-round medians (us per query),
the minimum and the new/head ratio of the minima and of the medians over rounds."""
import statistics
import sys
from collections import defaultdict


def value(text):
    return float(text[:-1]) * 1e3 if text.endswith("k") else float(text)


rows = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    variant, _, name, us = line.split()
    rows[name][variant].append(value(us))
print("| benchmark | head (us/query, per round) | new | new/head (min) | new/head (median) |")
print("|---|---|---|---:|---:|")
for name, by in rows.items():
    h, n = by["head"], by["new"]
    fmt = lambda xs: " / ".join(f"{x:.0f}" for x in xs)
    print(f"| {name} | {fmt(h)} | {fmt(n)} | {min(n) / min(h):.2f} | {statistics.median(n) / statistics.median(h):.2f} |")
