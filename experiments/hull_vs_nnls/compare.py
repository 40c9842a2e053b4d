#!/usr/bin/python3
"""Exact hull projection: vashista vs SciPy NNLS vs CVXOPT QP on the same instances.

Instances (seeded numpy, the recipe of bench/bench_hull_projection.cpp, d = 128):
  planted  Gaussian keys; per query j an orthonormal direction u_j; a planted face F_j of 10..40 keys
           at <k, u_j> = c = 2.5, every other key at most c - 0.05 along u_j; q_j = x*_j + 2 u_j with
           x*_j a random convex combination of F_j. The true face is F_j.
  far      plain Gaussian keys, q = 6 * N(0, I): far outside the hull.

Solvers, per query:
  NNLS     scipy.optimize.nnls on the augmented simplex form
           min || [K^T; w 1^T] p - [q; w] ||, p >= 0, w = 1e3 * max ||k_i|| (sum p = 1 up to ~1/w^2).
           Face = {p_i > 0} (NNLS returns exact zeros off its active set).
  CVXOPT   qp: min 1/2 p^T (K K^T) p - (K q)^T p, p >= 0, 1^T p = 1. Needs the dense n x n Gram
           (n = 4096: 134 MB); skipped for larger n (16384: 2.1 GB, and O(n^3) per Newton step).
           Interior point returns no exact zeros: face = {p_i > 1e-6 max p} (reported, not an oracle).
  vashista time_hull (C++, this repository's solver) reads the same instances from an HDF5 file;
           "single" is the plain call (key norms computed by the solve), "with stream norms" reuses
           the stream's KeyNorms computed once (as NNLS's augmented matrix, whose w needs the key
           norms, is built outside its timing), "with stream copy" also reuses the stream's 16-bit copy of
           the keys (QuantizedKeys, built once: its pass 1 and full pricing passes read the copy), "batch" solves all
           queries in one call.

Usage: compare.py [--build DIR] [--sizes 4096,16384] [--queries 8] [--out results.json]
The C++ timer is compiled by hand (see README.md) into DIR/time_hull.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import scipy
import scipy.optimize

D = 128


def make_planted(n, m, seed):
    rng = np.random.default_rng(seed)
    keys = rng.standard_normal((n, D))
    u, _ = np.linalg.qr(rng.standard_normal((D, m)))  # orthonormal columns
    c, gap, t = 2.5, 0.05, 2.0
    perm = rng.permutation(n)
    faces, nxt = [], 0
    owner = np.full(n, -1)
    for j in range(m):
        size = 10 + (7 * j) % 31
        faces.append(np.sort(perm[nxt:nxt + size]))
        owner[perm[nxt:nxt + size]] = j
        nxt += size
    coord = keys @ u  # n x m
    target = coord.copy()
    for j in range(m):
        above = (coord[:, j] > c - gap) & (owner != j)
        target[above, j] = c - gap - np.abs(0.5 * rng.standard_normal(above.sum()))
        target[owner == j, j] = c
    keys += (target - coord) @ u.T
    queries = np.empty((m, D))
    for j in range(m):
        w = rng.uniform(0.1, 1.0, len(faces[j]))
        w /= w.sum()
        queries[j] = w @ keys[faces[j]] + t * u[:, j]
    return keys, queries, faces


def make_far(n, m, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, D)), 6.0 * rng.standard_normal((m, D)), None


def solve_nnls(keys, q):
    w = 1e3 * np.linalg.norm(keys, axis=1).max()
    a = np.vstack([keys.T, np.full((1, keys.shape[0]), w)])
    b = np.concatenate([q, [w]])
    t0 = time.perf_counter()
    p, _ = scipy.optimize.nnls(a, b, maxiter=50 * keys.shape[0])
    return p, time.perf_counter() - t0


def solve_cvxopt(keys, q):
    import cvxopt
    from cvxopt import solvers
    solvers.options["show_progress"] = False
    n = keys.shape[0]
    t0 = time.perf_counter()
    gram = keys @ keys.T
    P = cvxopt.matrix(gram)
    qq = cvxopt.matrix(-(keys @ q))
    G = cvxopt.spmatrix(-1.0, range(n), range(n))
    h = cvxopt.matrix(0.0, (n, 1))
    A = cvxopt.matrix(1.0, (1, n))
    bb = cvxopt.matrix(1.0)
    sol = solvers.qp(P, qq, G, h, A, bb)
    return np.array(sol["x"]).ravel(), time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="/tmp/hullbuild", help="folder holding the compiled time_hull")
    ap.add_argument("--sizes", default="4096,16384")
    ap.add_argument("--queries", type=int, default=8, help="queries per instance solved by every solver")
    ap.add_argument("--repeats", type=int, default=5, help="timing repeats of vashista per query")
    ap.add_argument("--cvxopt-queries", type=int, default=1,
                    help="queries solved by CVXOPT (about 2 minutes each at n = 4096 on a 2-core box)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    timer = os.path.join(args.build, "time_hull")
    print(f"numpy {np.__version__}, scipy {scipy.__version__}")
    results = []
    for kind in ("planted", "far"):
        for n in [int(s) for s in args.sizes.split(",")]:
            make = make_planted if kind == "planted" else make_far
            keys, queries, faces = make(n, 32, seed=1000 + n)
            queries = queries[:args.queries]
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "instance.h5")
                with h5py.File(path, "w") as f:
                    f["keys"] = keys
                    f["queries"] = queries
                out = subprocess.run([timer, path, str(args.repeats)], check=True, capture_output=True, text=True)
            vs = json.loads(out.stdout)
            row = {"kind": kind, "n": n, "pass_s": vs["pass_s"], "pass_before_s": vs.get("pass_before_s"),
                   "pass_gemv_s": vs.get("pass_gemv_s"), "pass_dots_s": vs.get("pass_dots_s"),
                   "prefetch_plain": vs.get("prefetch_plain"), "prefetch_norms": vs.get("prefetch_norms"),
                   "batch_s": vs["batch_time_per_query_s"],
                   "norms_s": vs["norms_s"], "vashista_stream_s": [],
                   "copy_s": vs.get("copy_s"), "vashista_stream_copy_s": [],
                   "vashista_s": [], "nnls_s": [], "cvxopt_s": [], "face_nnls_agree": 0, "face_cvx_agree": 0,
                   "face_truth_agree": 0, "status": [], "face_sizes": [], "key_passes": [],
                   "copy_solve_passes": []}
            for j in range(len(queries)):
                h = vs["queries"][j]
                face = np.array(h["face"], dtype=int)
                row["vashista_s"].append(h["time_s"])
                row["vashista_stream_s"].append(h["time_stream_s"])
                if "time_stream_copy_s" in h:
                    row["vashista_stream_copy_s"].append(h["time_stream_copy_s"])
                row["status"].append(h["status"])
                row["face_sizes"].append(len(face))
                row["key_passes"].append(h["key_passes"])
                if "copy_solve_key_passes" in h:  # (passes over K, passes over the copy) of the stream-copy solve
                    row["copy_solve_passes"].append([h["copy_solve_key_passes"], h["copy_solve_copy_passes"]])
                if faces is not None:
                    row["face_truth_agree"] += int(np.array_equal(face, faces[j]))
                p, t = solve_nnls(keys, queries[j])
                row["nnls_s"].append(t)
                row["face_nnls_agree"] += int(np.array_equal(np.flatnonzero(p > 0), face))
                if n <= 4096 and j < args.cvxopt_queries:
                    pc, tc = solve_cvxopt(keys, queries[j])
                    row["cvxopt_s"].append(tc)
                    row["face_cvx_agree"] += int(np.array_equal(np.flatnonzero(pc > 1e-6 * pc.max()), face))
            m = len(queries)
            med = lambda v: float(np.median(v)) if v else float("nan")
            before = f" (before the solves {1e6 * vs['pass_before_s']:.1f})" if "pass_before_s" in vs else ""
            if "prefetch_norms" in vs:
                before += f" [prefetch plain {vs['prefetch_plain']}, pass 1 {vs['prefetch_norms']}]"
            print(f"{kind:8s} n={n:6d}: pass {1e6 * vs['pass_s']:8.1f} us{before} | vashista single "
                  f"{1e3 * med(row['vashista_s']):8.3f} ms, with stream norms {1e3 * med(row['vashista_stream_s']):8.3f} ms "
                  f"(norms once {1e3 * row['norms_s']:.3f} ms)"
                  + (f", with stream copy {1e3 * med(row['vashista_stream_copy_s']):8.3f} ms (copy once "
                     f"{1e3 * row['copy_s']:.3f} ms)" if row["vashista_stream_copy_s"] else "")
                  + f", batch {1e3 * row['batch_s']:8.3f} ms/query, passes "
                  f"{np.mean(row['key_passes']):.2f}"
                  + (f" (stream copy: over K {np.mean([p[0] for p in row['copy_solve_passes']]):.2f}, over the copy "
                     f"{np.mean([p[1] for p in row['copy_solve_passes']]):.2f})" if row["copy_solve_passes"] else "")
                  + f", certified {row['status'].count('certified')}/{m}, "
                  f"face size {np.mean(row['face_sizes']):.1f}")
            print(f"{'':8s}          NNLS {1e3 * med(row['nnls_s']):9.2f} ms  (x{med(row['nnls_s']) / med(row['vashista_s']):7.1f} "
                  f"single, x{med(row['nnls_s']) / med(row['vashista_stream_s']):7.1f} single with stream norms, "
                  + (f"x{med(row['nnls_s']) / med(row['vashista_stream_copy_s']):7.1f} with stream copy, "
                     if row["vashista_stream_copy_s"] else "")
                  + f"x{med(row['nnls_s']) / row['batch_s']:7.1f} batch), faces agree {row['face_nnls_agree']}/{m}"
                  + (f", truth agrees {row['face_truth_agree']}/{m}" if faces is not None else ""))
            if row["cvxopt_s"]:
                print(f"{'':8s}          CVXOPT {1e3 * med(row['cvxopt_s']):9.2f} ms (x{med(row['cvxopt_s']) / med(row['vashista_s']):7.1f} "
                      f"single), faces agree (p > 1e-6 max p) {row['face_cvx_agree']}/{len(row['cvxopt_s'])}")
            elif n <= 4096:
                print(f"{'':8s}          CVXOPT not run (--cvxopt-queries {args.cvxopt_queries})")
            else:
                print(f"{'':8s}          CVXOPT skipped: the dense n x n Gram needs {8 * n * n / 2**30:.1f} GiB and "
                      f"O(n^3) per Newton step")
            sys.stdout.flush()
            results.append(row)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
