#!/bin/bash
# Session 23, second call: rounds 4-5 of new / base (the first call's new_2, new_3 did not come back).
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
mkdir -p /tmp/res
lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)" > /tmp/res/lscpu.txt
nvidia-smi --query-gpu=name --format=csv,noheader >> /tmp/res/lscpu.txt 2>/dev/null
uptime >> /tmp/res/lscpu.txt
for r in 4 5; do
  for v in new base; do
    taskset -c 3 python3 compare.py --build $PWD/$v --sizes 4096,16384,131072 --queries 8 --repeats 15 \
      --cvxopt-queries 0 --out /tmp/res/compare_${v}_$r.json > /tmp/res/compare_${v}_$r.txt 2>&1
    echo "round $r $v done $(date +%T) rc $?"
  done
done
for r in 1 2 3; do for v in base new; do for f in planted_4096 far_4096; do
  echo "$v $f $(taskset -c 3 ./$v/loop inst/$f.h5 2)" >> /tmp/res/loop_ab.txt; done; done; done
tar czf $OUT/results.tgz -C /tmp/res .
