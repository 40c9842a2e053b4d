#!/bin/bash
# Session 21: compare.py's 8-query batch at n = 4096 with kNarrowBatch 4 / 8 / 1 (1 = GEMM for every
# batch, as HEAD), time_hull built from a scratch tree whose kNarrowBatch reads VASHISTA_NARROW.
# Usage: compare_batch8_narrow.sh TIME_HULL_DIR OUT_FILE
set -euo pipefail
build=$1 out=$2
: > "$out"
for round in 1 2; do
  for k in 4 8 1; do
    echo "round $round kNarrowBatch $k" >> "$out"
    VASHISTA_NARROW=$k OMP_NUM_THREADS=1 taskset -c 1 /usr/bin/python3 "$(dirname "$0")/../compare.py" --build "$build" \
      --sizes 4096 --queries 8 --repeats 3 --cvxopt-queries 0 2>&1 | grep "pass " >> "$out"
  done
done
