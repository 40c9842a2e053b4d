#!/bin/bash
# Session 12, GPU host's CPU (run from build-dev/s12/ with bench_head = bench_hull_projection of 510eb02 built on the
# development box, VASHISTA_ARCH=AUTO = x86-64-v3, -O3 -DNDEBUG -g then stripped; ../lib = libbenchmark, libfmt):
# 3 runs of every BM_Hull benchmark, pinned to core 3, one thread. NNLS: session11/run_compare.sh with
# RUNS=3 ARCHS=v3 SIZES=4096,16384, then RUNS=1 SIZES=131072.
set -e
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/../lib OMP_NUM_THREADS=1
lscpu | grep -E "Model name|Model:|L2|L3" > $OUT/lscpu.txt
nvidia-smi --query-gpu=name --format=csv,noheader >> $OUT/lscpu.txt 2>/dev/null || true
for r in 1 2 3; do
  taskset -c 3 ./bench_head --benchmark_filter=BM_Hull --benchmark_min_time=0.3 \
    --benchmark_out=$OUT/bench_head_$r.json --benchmark_out_format=json > /dev/null
  echo "run $r done $(date +%T)"
done
