#!/bin/bash
# Session 22: time_hull on compare.py's far n = 4096 instance (first 8 queries), 3 repeats five times and
# 15 repeats three times: single-solve median and batch time per query. Usage: repeats_check.sh BUILD_DIR
set -euo pipefail
build=$1
inst=$(mktemp --suffix=.h5)
trap 'rm -f "$inst"' EXIT
/usr/bin/python3 - "$inst" <<'PY'
import sys, numpy as np, h5py
n, D = 4096, 128
rng = np.random.default_rng(1000 + n)  # compare.py's make_far(n, 32, seed=1000 + n)
keys, queries = rng.standard_normal((n, D)), 6.0 * rng.standard_normal((32, D))
with h5py.File(sys.argv[1], "w") as f:
    f["keys"] = keys
    f["queries"] = queries[:8]
PY
for repeats in 3 3 3 3 3 15 15 15; do
  OMP_NUM_THREADS=1 taskset -c 1 "$build/time_hull" "$inst" "$repeats" | /usr/bin/python3 -c "
import json, statistics, sys
v = json.load(sys.stdin)
print('repeats $repeats: pass %.1f us, single median %.1f us, batch %.1f us/query' % (v['pass_s'] * 1e6,
      statistics.median(q['time_s'] for q in v['queries']) * 1e6, v['batch_time_per_query_s'] * 1e6))"
done
