#!/bin/bash
# Session 12, GPU host's CPU: prefetch distance of the one-vector passes, 32 rows (bench_head, 510eb02 code)
# against 8 rows (bench_pf8), alternating, 3 rounds, pinned to core 3.
set -e
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/../lib OMP_NUM_THREADS=1
for r in 1 2 3; do
  for b in head pf8; do
    taskset -c 3 ./bench_$b --benchmark_filter='BM_HullSingle.*(n:131072|n:16384)' --benchmark_min_time=0.3 \
      --benchmark_out=$OUT/ab_${b}_$r.json --benchmark_out_format=json > /dev/null
  done
  echo "round $r done"
done
