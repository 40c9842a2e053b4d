#!/usr/bin/env python3
"""Check the certificates of `vashista certify|sweep TRACE --certificates CERTS.h5` without vashista.

usage: verify_certificates.py [--streams NAME ...] [--json] TRACE.h5 CERTS.h5

For every query of every stream in CERTS (docs/certificates.md), from the trace's keys and queries alone
(numpy float64; Debian's python3-numpy and python3-h5py):
  visible   the number of keys the query sees is the trace's (query_length, else all keys);
  weights   the face is a set of distinct visible keys, its weights are >= 0 and sum to 1, and
            x = sum_F w_j k_j: the certified x lies in the convex hull of the keys;
  lambda    every visible key's multiplier lambda_i = <x - k_i, q - x>, recomputed here, lies within the
            certificate's error bar of the certified value (plus this script's own rounding bound);
  gap       max_i <q - x, k_i - x> = max_i(-lambda_i), the Frank-Wolfe gap at x, is <= fw_gap;
  face      for a `certified` query: every key outside F has lambda_i - error_i >= delta_lo > 0 (F holds the
            active face and nothing outside it can enter), delta_lo is that minimum, Delta = min lambda
            outside F lies in [delta_lo, delta_hi], and every face key's hi end lambda_i + error_i is below
            delta_lo (the face is separated).
  proof     for a `certified` query, independently of the certificate's error bars: from the weights alone,
            a lower bound on min_{i not in F} lambda_i(x*) by the Frank-Wolfe route (independent_delta_bound)
            and by the exact-face route (independent_linear_bound), the larger of the two; when it is positive
            the face and a gap are proven by this script alone (counted per stream, with the gaps only the
            exact-face route proves); a bound above the certified delta_hi is a failure.
Together: x is feasible, its KKT multipliers are non-negative up to their error bars, so x is the projection
of q onto the hull up to ||x - x*|| <= sqrt(2 fw_gap), and the support gap is at least delta_lo.
Queries with status unresolved (no certificate claimed) are listed, not checked.

Exit status: 0 every check passed, 1 a check failed (each failure printed: stream, query, check, numbers),
2 bad input (a file or dataset missing or malformed).
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np

U = np.finfo(np.float64).eps / 2  # unit roundoff of float64
STATUS_CHECKED = ("certified", "face_ambiguous", "no_gap")


def fail_input(message):
    print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
    sys.exit(2)


def read_real(group, name, where):
    """A trace dataset as float64: float64/32/16 as stored, bfloat16 as uint16 with attribute dtype="bfloat16"."""
    if name not in group:
        fail_input(f"{where}/{name}: missing")
    dset = group[name]
    data = dset[()]
    tag = dset.attrs.get("dtype")
    if isinstance(tag, bytes):
        tag = tag.decode()
    if data.dtype == np.uint16 and tag == "bfloat16":
        return (data.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    if data.dtype.kind != "f":
        fail_input(f"{where}/{name}: dtype {data.dtype} is not a real type")
    return data.astype(np.float64)


def weights_point(K, face, w, d):
    """x_w = sum_F w_j k_j computed here, and rho >= its distance to the exact point sum_F (w_j / sum w) k_j of the
    hull: the rounding of the sum, and the renormalisation by sum w (eta = |sum w - 1|)."""
    x_w = w @ K[face]
    eta = abs(w.sum() - 1.0)
    rho = 2 * (len(face) + d + 2) * U * float(w @ np.linalg.norm(K[face], axis=1)) + 2 * eta * np.linalg.norm(x_w)
    return x_w, rho


def multiplier_lower_bounds(K, q, x_w, rho, d):
    """lo_i <= lambda_i(x_h) for the exact hull point x_h within rho of x_w, with this script's rounding own_i;
    also ||q - x_w|| and ||x_w - k_i||."""
    r = q - x_w
    rn = np.linalg.norm(r)
    lam = (x_w - K) @ r
    dist = np.linalg.norm(x_w - K, axis=1) * (1 + 4 * U)
    own = 2 * (d + 2) * U * (np.linalg.norm(x_w) + np.linalg.norm(K, axis=1)) * (np.linalg.norm(q) + np.linalg.norm(x_w))
    return lam - own - rho * (rn + dist) - rho * rho, rn, dist


def weights_start(K, q, face, w, d):
    """What both routes start from: (x_w, rho) of weights_point and (lo, ||q - x_w||, ||x_w - k_i||) of
    multiplier_lower_bounds."""
    x_w, rho = weights_point(K, face, w, d)
    return (x_w, rho) + multiplier_lower_bounds(K, q, x_w, rho, d)


def independent_delta_bound(K, q, face, w, outside, d, start=None):
    """A lower bound on min over keys outside F of lambda_i(x*), from the face weights alone.

    x_w = sum_F w_j k_j is, up to rho (its rounding, and the renormalisation by sum w), a point x_h of the hull.
    At x_h every multiplier is >= lambda_i(x_w) - own_i - rho (||r|| + ||x_w - k_i||) - rho^2 =: lo_i, so the
    Frank-Wolfe gap g(x_h) = max_i(-lambda_i(x_h)) <= max(0, max_i(-lo_i)) and ||x_h - x*|| <= e = sqrt(2 g)
    (f(x_h) - f(x*) <= g and f(x_h) - f(x*) >= ||x_h - x*||^2 / 2). Then for every key
    lambda_i(x*) >= lambda_i(x_h) - e (||q - x_h|| + ||x_h - k_i||) - e^2 (expand <x* - k_i, q - x*>).
    Positive: every key outside F is proven outside the active face, with support gap >= the bound.
    """
    _, rho, lo, rn, dist = start if start is not None else weights_start(K, q, face, w, d)
    g = max(0.0, float(np.max(-lo)))
    e = np.sqrt(2 * g) * (1 + 4 * U)
    star = lo - e * (rn + rho + dist + rho) - e * e
    return float(np.min(star[outside]))


def independent_linear_bound(K, q, face, w, outside, d, start=None):
    """The exact-face route (docs/theory.md, "Linear certificate"), from the face weights alone; None where it
    does not apply (the face's difference vectors not proven independent, or a barycentric coordinate of the
    projection onto the face's affine hull not proven positive).

    With base b (the largest weight), D = [k_s - k_b] and G = D^T D, the projection x_A of q onto aff(F) is
    x_h + D beta with G beta = D^T (q - x_h) =: g, so ||x_A - x_h||^2 = g^T G^-1 g <= ||G^-1|| ||g||^2 =: eta^2.
    ||G^-1|| <= ||R|| / (1 - theta) for an approximate inverse R with theta >= ||I - R G|| < 1/2, the rounding of
    G, of R G and of the differences included. x_A has barycentric coordinates w_s / sum w + beta_s (s != b) and
    w_b / sum w - sum_s beta_s, with |beta_s| <= ||beta|| <= ||G^-1|| ||g||; when all are positive, x_A lies in
    the relative interior of conv(F), and since x_A - x_h lies in span(D), orthogonal to q - x_A,
    lambda_i(x_A) = lambda_i(x_h) - <x_h - k_i, x_A - x_h> >= lo_i - eta ||x_h - k_i||. If that is positive for
    every key outside F, x_A satisfies the KKT conditions: x* = x_A, F is exactly the face, and the bound is a
    lower bound on the support gap. Its bars are linear in the rounding, so it proves gaps the Frank-Wolfe route
    (bars ~ the square root of the rounding) cannot.
    """
    x_w, rho, lo, rn, dist = start if start is not None else weights_start(K, q, face, w, d)
    m = len(face)
    sum_w = float(w.sum())
    w_hat_low = w / (sum_w * (1 + 2 * m * U))  # <= w_j / (exact sum w)
    if m == 1:
        return float(np.min(lo[outside]))  # x_h = k_b is the projection onto aff(F) = {k_b}: eta = 0
    b = int(np.argmax(w))
    others = [s for s in range(m) if s != b]
    D = (K[face[others]] - K[face[b]]).T  # d x (m - 1); entries within u of the exact differences
    Dn = np.linalg.norm(D)  # Frobenius
    Gc = D.T @ D
    # |Gc - G_exact| <= ((d + 2) u + small) |D|^T |D| elementwise, so in norm <= 2 (d + 3) u ||D||_F^2.
    e_G = 2 * (d + 3) * U * Dn * Dn
    try:
        R = np.linalg.inv(Gc)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(R)):
        return None
    Rn = np.linalg.norm(R) * (1 + 2 * m * U)
    residual = np.eye(m - 1) - R @ Gc
    theta = (np.linalg.norm(residual) * (1 + 2 * m * U) + 2 * (m + 2) * U * Rn * np.linalg.norm(Gc) * (1 + 2 * m * U)
             + Rn * e_G)
    if not theta < 0.5:
        return None
    g_inv = Rn / (1 - theta) * (1 + 4 * U)
    r = q - x_w
    g = D.T @ r
    # |g - D_exact^T (q - x_h)|: the rounding of D^T r and of D, and x_w's distance rho to x_h.
    g_err = 2 * (d + 3) * U * Dn * (np.linalg.norm(r) + rho) * (1 + 2 * U) + Dn * (1 + 2 * U) * rho
    g_norm = (np.linalg.norm(g) * (1 + 2 * m * U) + g_err) * (1 + 2 * U)
    beta = g_inv * g_norm * (1 + 4 * U)
    eta = np.sqrt(g_inv) * g_norm * (1 + 4 * U)
    if not (np.min(w_hat_low[others]) > beta and w_hat_low[b] > np.sqrt(m - 1) * beta * (1 + 4 * U)):
        return None
    star = lo - eta * (dist + rho)
    return float(np.min(star[outside]))


def check_stream(name, trace_group, cert_group, where, status_names):
    """(failures, counts): a dict per failed check (stream, query, check, message), and per-stream counts."""
    keys = read_real(trace_group, "keys", where)
    queries = read_real(trace_group, "queries", where)
    n, d = keys.shape
    m = queries.shape[0]
    lengths = trace_group["query_length"][()].astype(np.int64) if "query_length" in trace_group else np.full(m, n)
    c = {k: cert_group[k][()] for k in cert_group}
    if c["x"].shape != (m, d) or c["lambda"].shape != (m, n):
        fail_input(f"{where}: certificate shapes x {c['x'].shape}, lambda {c['lambda'].shape} do not match the "
                   f"trace's {m} queries of {n} keys in {d} dimensions")
    failures = []
    counts = {"checked": 0, "unresolved": 0, "certified": 0, "proven": 0, "proven_fw": 0, "proven_linear": 0,
              "min_ratio": float("inf")}

    def bad(j, check, message):
        failures.append({"stream": name, "query": int(j), "check": check, "message": message})

    key_norms = np.linalg.norm(keys, axis=1)
    for j in range(m):
        status = status_names[int(c["status"][j])]
        if status == "unresolved":
            counts["unresolved"] += 1
            continue
        counts["checked"] += 1
        nv = int(lengths[j])
        if int(c["visible"][j]) != nv:
            bad(j, "visible", f"certificate says {int(c['visible'][j])} visible keys, the trace {nv}")
            continue
        K, q, x = keys[:nv], queries[j], c["x"][j]
        lo, hi = int(c["face_offsets"][j]), int(c["face_offsets"][j + 1])
        face = c["face_keys"][lo:hi].astype(np.int64)
        w = c["face_weights"][lo:hi]
        # weights: x in the hull
        if len(face) == 0 or len(set(face.tolist())) != len(face) or face.min() < 0 or face.max() >= nv:
            bad(j, "weights", f"face {face.tolist()} is not a set of distinct visible keys (0..{nv - 1})")
            continue
        if not np.all(np.isfinite(w)) or np.any(w < 0) or abs(w.sum() - 1.0) > 4 * len(w) * U:
            bad(j, "weights", f"face weights are not a point of the simplex (min {w.min():.3e}, sum - 1 = "
                              f"{w.sum() - 1.0:.3e})")
            continue
        x_w = w @ K[face]
        scale = float(np.abs(w) @ key_norms[face])
        if np.linalg.norm(x_w - x) > 4 * (len(face) + d) * U * scale + float(c["x_error"][j]):
            bad(j, "weights", f"||sum_F w_j k_j - x|| = {np.linalg.norm(x_w - x):.3e} exceeds rounding "
                              f"({4 * (len(face) + d) * U * scale:.3e}) plus x_error {c['x_error'][j]:.3e}")
        # lambda: every multiplier recomputed
        r = q - x
        lam = (x - K) @ r
        # This script's own rounding: |fl(<x - k_i, r>) - <x - k_i, r>| <= gamma_{d+2} ||x - k_i|| ||r|| (any
        # summation order; the subtractions x - k_i and q - x add one rounding each), with the norms bounded
        # by ||x|| + ||k_i|| and ||q|| + ||x||; the factor 2 covers the rounding of this bound itself.
        own = 2 * (d + 2) * U * (np.linalg.norm(x) + key_norms[:nv]) * (np.linalg.norm(q) + np.linalg.norm(x))
        lam_c, err_c = c["lambda"][j, :nv], c["lambda_error"][j, :nv]
        if not (np.all(np.isfinite(lam_c)) and np.all(np.isfinite(err_c)) and np.all(err_c >= 0)):
            bad(j, "lambda", "a multiplier or error bar is missing, not finite, or negative")
            continue
        off = np.abs(lam - lam_c) - (err_c + own)
        if np.any(off > 0):
            i = int(np.argmax(off))
            bad(j, "lambda", f"key {i}: recomputed lambda {lam[i]:.17g} vs certified {lam_c[i]:.17g} +- "
                             f"{err_c[i]:.3e} (own rounding {own[i]:.3e})")
        # gap: Frank-Wolfe gap at x
        fw = float(np.max(-lam))
        if not fw <= float(c["fw_gap"][j]) + float(np.max(own)):
            bad(j, "gap", f"Frank-Wolfe gap at x {fw:.3e} exceeds the certified fw_gap {c['fw_gap'][j]:.3e}")
        if status != "certified":
            continue
        # face: separation and the Delta interval
        outside = np.ones(nv, dtype=bool)
        outside[face] = False
        if not outside.any():
            continue
        lower = (lam_c - err_c)[outside]
        delta_lo, delta_hi, delta = float(c["delta_lo"][j]), float(c["delta_hi"][j]), float(c["delta"][j])
        if not (delta_lo > 0 and np.all(lower >= delta_lo)):
            bad(j, "face", f"min over keys outside F of lambda - error = {lower.min():.6e}, delta_lo = {delta_lo:.6e}: "
                           "a key outside the face is not proven outside it")
        if not (delta_lo <= delta <= delta_hi) or abs(delta - lam_c[outside].min()) > 0:
            bad(j, "face", f"Delta {delta:.17g} is not min lambda outside F ({lam_c[outside].min():.17g}) within "
                           f"[{delta_lo:.6e}, {delta_hi:.6e}]")
        if abs(lam[outside].min() - delta) > float(np.max(err_c[outside])) + float(np.max(own)):
            bad(j, "face", f"recomputed Delta {lam[outside].min():.6e} differs from the certified {delta:.6e}")
        face_hi = (lam_c + err_c)[face]
        if not np.all(face_hi < delta_lo):
            bad(j, "face", f"a face key's multiplier could reach {face_hi.max():.6e} >= delta_lo {delta_lo:.6e}: "
                           "the face is not separated")
        # proof: an independent lower bound on min_{i not in F} lambda_i(x*), from the weights alone (the
        # Frank-Wolfe route of docs/theory.md; it uses none of the certificate's error bars).
        start = weights_start(K, q, face, w, d)
        fw_bound = independent_delta_bound(K, q, face, w, outside, d, start)
        linear_bound = independent_linear_bound(K, q, face, w, outside, d, start)
        bound = fw_bound if linear_bound is None else max(fw_bound, linear_bound)
        counts["certified"] += 1
        if bound > 0:
            counts["proven"] += 1
            counts["min_ratio"] = min(counts["min_ratio"], bound / delta_lo)
            counts["proven_linear" if fw_bound <= 0 else "proven_fw"] += 1
        if bound > delta_hi:
            bad(j, "proof", f"the independent lower bound {bound:.6e} on Delta exceeds the certified delta_hi "
                            f"{delta_hi:.6e}: the certificate's interval is wrong")
    return failures, counts


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace")
    parser.add_argument("certificates")
    parser.add_argument("--streams", nargs="*", help="only these streams (exact names)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of text")
    args = parser.parse_args(argv)
    try:
        trace = h5py.File(args.trace, "r")
        certs = h5py.File(args.certificates, "r")
    except OSError as e:
        fail_input(str(e))
    fmt = certs.attrs.get("format")
    if (fmt.decode() if isinstance(fmt, bytes) else fmt) != "vashista-certificates":
        fail_input(f"{args.certificates}: not a vashista certificates file (root attribute format)")
    names = certs.attrs["status_names"]
    status_names = (names.decode() if isinstance(names, bytes) else names).split(",")
    streams = sorted(certs["streams"])
    if args.streams:
        streams = [s for s in streams if s in set(args.streams)]
    all_failures, summary = [], []
    for name in streams:
        if name not in trace["streams"]:
            fail_input(f"{args.trace}: /streams/{name}: the certificates name a stream the trace does not have")
        failures, counts = check_stream(name, trace["streams"][name], certs["streams"][name],
                                        f"{args.certificates}: /streams/{name}", status_names)
        all_failures.extend(failures)
        if counts["min_ratio"] == float("inf"):
            counts["min_ratio"] = None
        summary.append({"stream": name, **counts, "failed": len({f["query"] for f in failures})})
    if args.json:
        print(json.dumps({"streams": summary, "failures": all_failures}, indent=1))
    else:
        for s in summary:
            ratio = f"{s['min_ratio']:.3g}" if s["min_ratio"] is not None else "-"
            print(f"{s['stream']}: {s['checked']} queries checked, {s['failed']} failed; {s['proven']} of "
                  f"{s['certified']} certified gaps also proven by the weights alone ({s['proven_linear']} by the "
                  f"exact-face route only; min bound / delta_lo {ratio})"
                  + (f"; {s['unresolved']} unresolved (not certified, not checked)" if s["unresolved"] else ""))
        for f in all_failures:
            print(f"FAILED {f['stream']} query {f['query']} [{f['check']}]: {f['message']}")
        total = sum(s["checked"] for s in summary)
        print(f"verdict: {'all ' + str(total) + ' certificates verified' if not all_failures else str(len(all_failures)) + ' failed checks'}")
    return 1 if all_failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
