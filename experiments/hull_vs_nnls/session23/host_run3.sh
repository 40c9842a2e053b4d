#!/bin/bash
# Session 23, third call: rounds 6-8 of new (1c1e5f8) only.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
mkdir -p /tmp/res
lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)" > /tmp/res/lscpu3.txt
nvidia-smi --query-gpu=name --format=csv,noheader >> /tmp/res/lscpu3.txt 2>/dev/null
uptime >> /tmp/res/lscpu3.txt
for r in 6 7 8; do
  taskset -c 3 python3 compare.py --build $PWD/new --sizes 4096,16384,131072 --queries 8 --repeats 15 \
    --cvxopt-queries 0 --out /tmp/res/compare_new_$r.json > /tmp/res/compare_new_$r.txt 2>&1
  echo "round $r new done $(date +%T) rc $?"
done
tar czf $OUT/results3.tgz -C /tmp/res .
