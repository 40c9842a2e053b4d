#!/bin/bash
# Session 27: compare.py on the GPU host CPU, head (fe8b454) and new (39a7d58) time_hull interleaved, then
# the plain instructions driver of both.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
mkdir -p /tmp/res
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null; uptime; } > /tmp/res/lscpu.txt 2>&1
for r in 1 2 3; do
  for v in head new; do
    taskset -c 3 python3 compare.py --build $PWD/$v --sizes 4096,16384,131072 --queries 8 --repeats 15 \
      --cvxopt-queries 0 --out /tmp/res/compare_${v}_$r.json > /tmp/res/compare_${v}_$r.txt 2>&1
    echo "round $r $v done $(date +%T)"; tar czf $OUT/results.tgz -C /tmp/res .
  done
done
for n in 4096:20 16384:6; do
  N=${n%%:*}; R=${n##*:}
  for v in plain_head plain_new plain_head plain_new; do
    echo "== $v n=$N REPS=$R"; REPS=$R taskset -c 3 ./drv_$v $N 1 0 2>&1
  done
done > /tmp/res/drivers.txt
tar czf $OUT/results.tgz -C /tmp/res .
