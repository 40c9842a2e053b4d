#!/usr/bin/env python3
"""Writes each stream of a trace (format v1) as OUT_DIR/<file>_<stream>.h5 with float64 datasets keys (n x d),
queries (m x d) and query_length (m x 1), the input of entropic_workload.cpp (and of the hull probes)."""
import os, sys
import h5py
import numpy as np


def as_float64(dataset):
    raw = dataset[:]
    if raw.dtype == np.uint16:  # bfloat16 stored as uint16
        return (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return raw.astype(np.float64)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: to_float64.py OUT_DIR TRACE.h5...")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for path in sys.argv[2:]:
        with h5py.File(path, "r") as f:
            for name, group in f["streams"].items():
                keys, queries = as_float64(group["keys"]), as_float64(group["queries"])
                lengths = group["query_length"][:] if "query_length" in group else np.full(len(queries), len(keys))
                out = os.path.join(out_dir, f"{os.path.basename(path)[:-3]}_{name}.h5")
                with h5py.File(out, "w") as o:
                    o["keys"], o["queries"] = keys, queries
                    o["query_length"] = lengths.astype(np.float64).reshape(-1, 1)
                print(out, keys.shape, queries.shape)


if __name__ == "__main__":
    main()
