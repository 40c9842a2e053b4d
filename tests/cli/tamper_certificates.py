#!/usr/bin/env python3
"""Test helper of certificates_verified.cmake: copies a certificates file and corrupts one entry of the first
query of stream hull_00, in the way named by the first argument. usage: tamper_certificates.py KIND IN OUT [TRACE]
("forged" needs the trace: a self-consistent certificate of a wrong projection)"""
import shutil
import sys

import h5py
import numpy as np

kind, src, dst = sys.argv[1:4]
trace = sys.argv[4] if len(sys.argv) > 4 else None
shutil.copyfile(src, dst)
with h5py.File(dst, "r+") as f:
    g = f["streams/hull_00"]
    face = g["face_keys"][g["face_offsets"][0]:g["face_offsets"][1]]
    outside = [i for i in range(int(g["visible"][0])) if i not in set(face.tolist())]
    if kind == "weights":  # a weight moved: no longer a point of the simplex
        w = g["face_weights"][()]
        w[0] += 1e-6
        g["face_weights"][...] = w
    elif kind == "lambda":  # an outside key's multiplier claimed smaller than it is
        lam = g["lambda"][()]
        lam[0, outside[0]] -= 1e-3
        g["lambda"][...] = lam
    elif kind == "x":  # the projection moved off the face's convex combination
        x = g["x"][()]
        x[0, 0] += 1e-6
        g["x"][...] = x
    elif kind == "delta_lo":  # a support gap claimed larger than proven
        lo = g["delta_lo"][()]
        lo[0] *= 1.5
        g["delta_lo"][...] = lo
    elif kind == "face":  # a face key dropped (weights renormalised): x is no longer that combination
        o0, o1 = int(g["face_offsets"][0]), int(g["face_offsets"][1])
        w = g["face_weights"][()]
        w[o0] = 0.0
        w[o0 + 1:o1] /= w[o0 + 1:o1].sum()
        g["face_weights"][...] = w
    elif kind == "forged":  # a face key dropped and everything recomputed consistently at the wrong point
        with h5py.File(trace, "r") as t:
            K = t["streams/hull_00/keys"][()].astype(np.float64)
            q = t["streams/hull_00/queries"][0].astype(np.float64)
        o0, o1 = int(g["face_offsets"][0]), int(g["face_offsets"][1])
        w = g["face_weights"][()]
        keys = g["face_keys"][()]
        w[o0] = 0.0
        w[o0 + 1:o1] /= w[o0 + 1:o1].sum()
        g["face_weights"][...] = w
        x = g["x"][()]
        x[0] = w[o0:o1] @ K[keys[o0:o1]]
        g["x"][...] = x
        lam = g["lambda"][()]
        nv = int(g["visible"][0])
        lam[0, :nv] = (x[0] - K[:nv]) @ (q - x[0])
        g["lambda"][...] = lam
        d = g["delta"][()]
        d[0] = lam[0, outside].min()
        g["delta"][...] = d
    else:
        sys.exit(f"unknown kind {kind}")
