#!/usr/bin/env python3
"""Checks trace files against vashista trace format v1 (docs/trace-format.md), independently of the
writer: root attributes, stream attributes, dataset ranks/shapes/dtypes, bfloat16 tagging,
query_length range, GQA groups (rows of one position see the same prefix), finite values, chunked
+ compressed storage. Optionally (--attention) recomputes softmax attention of every query in
float64 as a smoke test (finite, weights sum to 1).

usage: validate_traces.py FILE.h5 [FILE.h5 ...] [--attention]
exit 0 when every file passes, 1 otherwise; one line per problem.
"""
import json
import sys

import h5py
import numpy as np

FLOAT_DTYPES = (np.float64, np.float32, np.float16)


def decode(ds):
    a = ds[()]
    if a.dtype == np.uint16:
        if ds.attrs.get("dtype", b"") not in ("bfloat16", b"bfloat16"):
            raise ValueError("uint16 dataset without attribute dtype=\"bfloat16\"")
        return (a.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    if a.dtype.type not in FLOAT_DTYPES:
        raise ValueError(f"unsupported storage dtype {a.dtype}")
    return a.astype(np.float64)


def check_file(path, attention=False):
    problems = []
    summary = {}

    def bad(obj, msg):
        problems.append(f"{path}: {obj}: {msg}")

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        return [f"{path}: not readable as HDF5 ({exc})"], summary
    with f:
        fmt = f.attrs.get("format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode()
        if fmt != "vashista-trace":
            bad("/", f"attribute format is {fmt!r}, expected 'vashista-trace'")
        ver = f.attrs.get("version")
        if not isinstance(ver, (int, np.integer)) or int(ver) != 1:
            bad("/", f"attribute version is {ver!r} ({type(ver).__name__}), expected integer 1")
        for key in ("source", "created_by"):
            v = f.attrs.get(key)
            if not isinstance(v, (str, bytes)) or not v:
                bad("/", f"attribute {key} missing or not a string")
        try:
            summary["source"] = json.loads(f.attrs.get("source"))
        except (TypeError, ValueError):
            summary["source"] = None
        if "streams" not in f or not isinstance(f["streams"], h5py.Group) or len(f["streams"]) == 0:
            bad("/streams", "missing or empty")
            return problems, summary
        n_streams = n_queries = 0
        lengths = set()
        dtypes = set()
        for name, g in f["streams"].items():
            obj = f"/streams/{name}"
            n_streams += 1
            for a in ("layer", "kv_head"):
                if not isinstance(g.attrs.get(a), (int, np.integer)):
                    bad(obj, f"attribute {a} missing or not an integer")
            sc = g.attrs.get("scale")
            if sc is not None and (not isinstance(sc, (float, np.floating)) or not np.isfinite(sc) or sc <= 0):
                bad(obj, f"attribute scale {sc!r} is not a positive finite double")
            for dname in ("keys", "queries"):
                if dname not in g:
                    bad(f"{obj}/{dname}", "missing")
            if problems and ("keys" not in g or "queries" not in g):
                continue
            try:
                K = decode(g["keys"])
                Q = decode(g["queries"])
                V = decode(g["values"]) if "values" in g else None
            except ValueError as exc:
                bad(obj, str(exc))
                continue
            for dname in ("keys", "values", "queries"):
                if dname in g:
                    ds = g[dname]
                    dtypes.add(ds.attrs.get("dtype", str(ds.dtype)) if ds.dtype == np.uint16 else str(ds.dtype))
                    if ds.chunks is None or ds.compression is None:
                        bad(f"{obj}/{dname}", "not chunked + compressed")
            if K.ndim != 2 or Q.ndim != 2:
                bad(obj, f"keys {K.shape} / queries {Q.shape} not rank 2")
                continue
            n, d = K.shape
            m = Q.shape[0]
            n_queries += m
            if Q.shape[1] != d:
                bad(obj, f"queries have d={Q.shape[1]}, keys d={d}")
            if V is not None and (V.ndim != 2 or V.shape[0] != n):
                bad(f"{obj}/values", f"shape {V.shape} does not match {n} keys")
            for arr, dname in ((K, "keys"), (Q, "queries"), (V, "values")):
                if arr is not None and not np.all(np.isfinite(arr)):
                    bad(f"{obj}/{dname}", "NaN or Inf")
            ql = None
            if "query_length" in g:
                ql = g["query_length"][()]
                if ql.dtype != np.int64 or ql.shape != (m,):
                    bad(f"{obj}/query_length", f"dtype {ql.dtype} shape {ql.shape}, expected int64 [{m}]")
                elif ql.min() < 1 or ql.max() > n:
                    bad(f"{obj}/query_length", f"values in [{ql.min()}, {ql.max()}], outside [1, {n}]")
                lengths.update(int(x) for x in np.unique(ql))
            if "query_head" in g:
                qh = g["query_head"][()]
                if qh.dtype != np.int32 or qh.shape != (m,):
                    bad(f"{obj}/query_head", f"dtype {qh.dtype} shape {qh.shape}, expected int32 [{m}]")
            if "position" in g:
                pos = g["position"][()]
                if pos.dtype != np.int64 or pos.shape != (m,):
                    bad(f"{obj}/position", f"dtype {pos.dtype} shape {pos.shape}, expected int64 [{m}]")
                elif ql is not None and ql.shape == (m,):
                    if not np.array_equal(ql, pos + 1):
                        bad(obj, "query_length != position + 1 (decode-step convention of this dumper)")
                    for p in np.unique(pos):
                        if len(set(ql[pos == p].tolist())) != 1:
                            bad(obj, f"rows of position {p} see different prefixes")
            if attention and ql is not None and V is not None and not problems:
                scale = float(sc) if sc is not None else 1.0 / np.sqrt(d)
                for j in range(m):
                    s = scale * (K[: ql[j]] @ Q[j])
                    w = np.exp(s - s.max())
                    w /= w.sum()
                    o = w @ V[: ql[j]]
                    if not (np.all(np.isfinite(o)) and abs(w.sum() - 1) < 1e-9):
                        bad(obj, f"query {j}: attention not finite")
                        break
        summary.update(streams=n_streams, queries=n_queries, query_lengths=sorted(lengths), dtypes=sorted(dtypes))
    return problems, summary


def main(argv):
    attention = "--attention" in argv
    files = [a for a in argv if not a.startswith("--")]
    if not files:
        print(__doc__)
        return 2
    failed = False
    for path in files:
        problems, s = check_file(path, attention)
        if problems:
            failed = True
            for p in problems[:50]:
                print("FAIL", p)
            if len(problems) > 50:
                print(f"FAIL {path}: ... {len(problems) - 50} more problems")
        else:
            src = s.get("source") or {}
            print(f"OK   {path}: {s['streams']} streams, {s['queries']} queries, query lengths "
                  f"{s['query_lengths']}, storage {s['dtypes']}, held-out bits/byte "
                  f"{src.get('heldout_bits_per_byte')}, xz {src.get('xz_bits_per_byte')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
