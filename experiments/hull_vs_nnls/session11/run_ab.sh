#!/bin/bash
# run_ab.sh ROUNDS FILTER MINTIME: alternate bench_sse2 / bench_v3, pinned to core 3; JSON per run, packed
# into $OUT/ab.tar.gz (the device tool returns few files).
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/../lib OMP_NUM_THREADS=1
d=$(mktemp -d)
lscpu > $d/lscpu.txt
for r in $(seq 1 $1); do
  for b in ${BINS:-sse2 v3}; do
    taskset -c 3 ./bench_$b --benchmark_filter="$2" --benchmark_min_time=$3 --benchmark_format=json > $d/${b}_$r.json 2>$d/${b}_$r.err
    echo "round $r $b done $(date +%T)"
  done
done
tar czf $OUT/ab.tar.gz -C $d .
