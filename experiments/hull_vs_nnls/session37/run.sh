#!/bin/bash
# Session 37 device run: compare.py (SciPy NNLS against time_hull: its "with stream copy" column now reads the
# stream's 16-bit copy in pass 1 too) for each build named in BUILDS (time_hull = this session's,
# time_hull_s36 = session 36's, whose stream-copy solves read the copy in full pricing passes only), in
# that order, then the Google benchmark's single solves unless NOBENCH is set.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null; uptime; } > $OUT/host.txt 2>&1
r=0
for b in ${BUILDS:-time_hull time_hull_s36 time_hull}; do
  r=$((r + 1))
  mkdir -p tb_$r && cp $b tb_$r/time_hull
  taskset -c ${CORE:-3} python3 compare.py --build tb_$r --sizes ${SIZES:-4096,16384,131072} --queries 8 --repeats 15 --cvxopt-queries 0 --out $OUT/compare_${r}_$b.json > $OUT/compare_${r}_$b.txt 2>&1
  echo "$b done $(date +%T)"
done
[ -n "$NOBENCH" ] || taskset -c ${CORE:-3} ./bench_hull_projection --benchmark_filter="${FILTER:-BM_HullSingle}" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true > $OUT/bench.txt 2>&1
echo done
