#!/bin/bash
# Session 36 device run: compare.py (time_hull with the stream-copy column, SciPy NNLS) and the Google benchmark's single solves.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null; uptime; } > $OUT/host.txt 2>&1
mkdir -p tb && cp time_hull tb/
for r in $(seq 1 ${ROUNDS:-2}); do
  taskset -c ${CORE:-3} python3 compare.py --build tb --sizes ${SIZES:-4096,16384,131072} --queries 8 --repeats 15 --cvxopt-queries 0 --out $OUT/compare_$r.json > $OUT/compare_$r.txt 2>&1
done
[ -n "$NOBENCH" ] || taskset -c ${CORE:-3} ./bench_hull_projection --benchmark_filter="${FILTER:-BM_HullSingle}" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true > $OUT/bench.txt 2>&1
echo done
