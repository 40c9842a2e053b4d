#!/usr/bin/env python3
"""Check the sparse kernel's tail certificates in a trace without vashista.

usage: verify_kernel_certificates.py [--json] TRACE.h5

For every stream with kernel outputs (`vashista kernel TRACE --out TRACE_K.h5`, CPU reference or CUDA;
docs/trace-format.md "Kernel outputs", docs/kernel.md), every temperature eps and every query, from the
trace's keys and queries alone (numpy float64, in the log domain; Debian's python3-numpy and python3-h5py):
the kernel attended to the tokens of its selected pages (page p holds tokens p*B .. p*B+B-1 of the
query's visible prefix) and certified that the softmax mass outside them, at logits scale <q, k_i> / eps,
is at most tail_bound. Here that mass is computed exactly as ln m_out = LSE(outside) - LSE(all) and
compared: sound when ln m_out <= ln tail_bound + 1e-9 + 1.2e-7 (the log-sum-exp rounding of float64 sums,
and one float32 rounding of a stored bound, as vashista's own check allows). A tail underflowing every
float is still a positive mass: a stored tail_bound of 0 with any token outside is unsound.

Exit status: 0 every certificate sound, 1 an unsound certificate (each printed: stream, eps, query, the
measured and certified log10 masses), 2 bad input.
"""
import argparse
import json
import math
import sys

import h5py
import numpy as np

from verify_certificates import fail_input, read_real

SLACK = 1e-9 + 1.2e-7


def log_sum_exp(x):
    if x.size == 0:
        return -math.inf
    top = float(np.max(x))
    if top == -math.inf:
        return -math.inf
    return top + math.log(float(np.sum(np.exp(x - top))))


def attribute(group, name, default=None):
    value = group.attrs.get(name, default)
    if isinstance(value, bytes):
        value = value.decode()
    return value


def check_stream(name, group, where):
    keys = read_real(group, "keys", where)
    queries = read_real(group, "queries", where)
    n, m = keys.shape[0], queries.shape[0]
    if "scale" not in group.attrs:
        fail_input(f"{where}: attribute scale missing")
    scale = float(group.attrs["scale"])
    lengths = group["query_length"][()].astype(np.int64) if "query_length" in group else np.full(m, n)
    kernel = group["kernel"]
    page_size = int(attribute(kernel, "page_size", 16))
    eps = kernel["eps"][()].astype(np.float64)
    pages = kernel["selected_pages"][()].astype(np.int64)
    tail = kernel["tail_bound"][()].astype(np.float64)
    if pages.shape[:2] != (len(eps), m) or tail.shape != (len(eps), m):
        fail_input(f"{where}/kernel: selected_pages {pages.shape} / tail_bound {tail.shape} do not match "
                   f"[E, m] = [{len(eps)}, {m}]")
    scores = scale * (queries @ keys.T)  # [m, n]
    results, unsound = [], []
    for e, temperature in enumerate(eps):
        for j in range(m):
            nv = int(lengths[j])
            inside = np.zeros(nv, dtype=bool)
            for p in pages[e, j]:
                if p >= 0:
                    inside[p * page_size:min((p + 1) * page_size, nv)] = True
            logits = scores[j, :nv] / temperature
            ln_out = log_sum_exp(logits[~inside]) - log_sum_exp(logits)
            bound = float(tail[e, j])
            ln_bound = math.log(bound) if bound > 0 else -math.inf
            sound = bool(math.isfinite(bound) and bound >= 0 and
                         (ln_out == -math.inf or ln_out <= ln_bound + SLACK))
            row = {"stream": name, "eps": float(temperature), "query": j, "candidates": int(inside.sum()),
                   "log10_tail_measured": ln_out / math.log(10), "log10_tail_bound": ln_bound / math.log(10),
                   "sound": sound}
            results.append(row)
            if not sound:
                unsound.append(row)
    return results, unsound


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace")
    parser.add_argument("--json", action="store_true", help="print every query's comparison as JSON")
    args = parser.parse_args(argv)
    try:
        trace = h5py.File(args.trace, "r")
    except OSError as e:
        fail_input(str(e))
    if "streams" not in trace:
        fail_input(f"{args.trace}: /streams missing (not a vashista trace)")
    all_rows, all_unsound, lines = [], [], []
    for name in sorted(trace["streams"]):
        group = trace["streams"][name]
        if "kernel" not in group:
            continue
        rows, unsound = check_stream(name, group, f"{args.trace}: /streams/{name}")
        all_rows.extend(rows)
        all_unsound.extend(unsound)
        device = attribute(group["kernel"], "device", "?")
        margins = [r["log10_tail_bound"] - r["log10_tail_measured"] for r in rows
                   if math.isfinite(r["log10_tail_measured"]) and math.isfinite(r["log10_tail_bound"])]
        lines.append(f"{name} ({device}): {len(rows)} certificates, {len(unsound)} unsound; log10(bound / measured) "
                     + (f"min {min(margins):.3g}, median {sorted(margins)[len(margins) // 2]:.3g}" if margins else "-"))
    if not all_rows:
        fail_input(f"{args.trace}: no stream holds kernel outputs (run `vashista kernel` first)")
    if args.json:
        print(json.dumps({"rows": all_rows, "unsound": len(all_unsound)}, indent=1))
    else:
        print("\n".join(lines))
        for r in all_unsound:
            print(f"UNSOUND {r['stream']} eps={r['eps']} query {r['query']}: log10 measured tail "
                  f"{r['log10_tail_measured']:.6g} > log10 tail_bound {r['log10_tail_bound']:.6g}")
        print(f"verdict: {'all ' + str(len(all_rows)) + ' kernel certificates sound' if not all_unsound else str(len(all_unsound)) + ' unsound'}")
    return 1 if all_unsound else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
