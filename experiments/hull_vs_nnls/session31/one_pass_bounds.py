#!/usr/bin/python3
"""Can the keys of compare.py's planted instances be certified from one read of K?

A solve reads every key in pass 1 (s_i = <k_i, q>, ||k_i||) and, for planted instances, once more in the
pricing pass (t_i = <k_i, r> at the final r). Skipping the pricing pass needs a bound on every multiplier
lambda_i = <x - k_i, q - x> from what pass 1 stored. If pass 1 stored <k_i, v> for the vectors v of a
subspace V (V = span{q} is the query-axis bound of hull_projection.cpp), then with p the component of x
orthogonal to V and P the projector onto V's complement,
    lambda_i = (terms from the stored dots) + <P k_i, p>,   |<P k_i, p>| <= ||P k_i|| ||p||,
and key i is proven outside the face when lambda_i > ||P k_i|| ||p||. This script evaluates that test at
the exact optimum x* (known by construction: x* = the planted convex combination, r* = 2 u) for
  axis      V = span{q}                      (what pass 1 stores today)
  sample    V = span{q, x_S}, x_S the projection of q onto the hull of a strided sample of S keys
            (a direction one could know before pass 1 by reading S rows first)
  half      V = span{q, x_H}, x_H the projection onto the hull of the first half of the keys
            (pass 1 split in two, the second half also priced against x_H)
  oracle    V = span{q, x*}                  (the answer known in advance: every key is proven)
and prints the fraction of non-face keys each leaves unproven (those need their row read again).
Usage: one_pass_bounds.py [N] [QUERIES]   (instances of compare.py, seed 1000 + N)
"""
import os
import sys

import numpy as np
import scipy.optimize

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from compare import make_planted  # noqa: E402


def hull_projection(points, q):
    """Projection of q onto conv(points) by NNLS on the augmented simplex form (as compare.py)."""
    w = 1e3 * np.linalg.norm(points, axis=1).max()
    a = np.vstack([points.T, w * np.ones((1, len(points)))])
    b = np.concatenate([q, [w]])
    p, _ = scipy.optimize.nnls(a, b, maxiter=50 * len(points))
    return points.T @ (p / p.sum())


def unproven_fraction(keys, q, x, lam, outside, basis_vectors):
    basis, _ = np.linalg.qr(np.column_stack(basis_vectors))
    p = x - basis @ (basis.T @ x)
    pk = np.sqrt(np.maximum(0.0, (keys ** 2).sum(1) - ((keys @ basis) ** 2).sum(1)))
    bound = pk * np.linalg.norm(p)
    return np.mean(~(lam[outside] > bound[outside])), np.linalg.norm(p)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    keys, queries, faces = make_planted(n, 32, seed=1000 + n)
    rng_sample = np.arange(0, n, max(1, n // 256))
    print(f"planted n = {n}, d = {keys.shape[1]}, first {m} queries; columns: face size, ||x*||, median lambda "
          "outside, then per subspace: ||p|| and the fraction of outside keys left unproven")
    print(f"{'query':>5} {'face':>4} {'|x*|':>6} {'lam_med':>7}  {'axis':>13}  {'sample256':>13}  {'half':>13}  {'oracle':>13}")
    for j in range(m):
        q = queries[j]
        face = faces[j]
        # x* by construction: q - x* = 2 u_j, so x* = the projection (every other key is below c along u_j).
        x_star = hull_projection(keys[face], q)
        r = q - x_star
        lam = (x_star - keys) @ r
        outside = np.ones(n, dtype=bool)
        outside[face] = False
        cells = []
        for vectors in ([q], [q, hull_projection(keys[rng_sample], q)], [q, hull_projection(keys[: n // 2], q)],
                        [q, x_star]):
            frac, pn = unproven_fraction(keys, q, x_star, lam, outside, vectors)
            cells.append(f"{pn:5.2f} {100 * frac:6.1f}%")
        print(f"{j:5d} {len(face):4d} {np.linalg.norm(x_star):6.2f} {np.median(lam[outside]):7.2f}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
