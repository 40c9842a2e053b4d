#!/bin/bash
# Session 24: compare.py rounds on the development box, new (/tmp/thn) and base (7b9776a, /tmp/thb) time_hull
# interleaved. Usage: devbox_rounds.sh FIRST LAST. Rounds 1-4 ran with new = 063b7ab (before dot8); their
# files were then renamed compare_devbox_063b7ab_*.
cd "$(dirname "$0")/../../.."
for r in $(seq "$1" "$2"); do
  for v in new base; do
    d=/tmp/thn; [ $v = base ] && d=/tmp/thb
    OMP_NUM_THREADS=1 taskset -c 1 /usr/bin/python3 experiments/hull_vs_nnls/compare.py --build $d --sizes 4096,16384,131072 \
      --queries 8 --repeats 15 --cvxopt-queries 0 --out experiments/hull_vs_nnls/session24/compare_devbox_${v}_$r.json \
      > experiments/hull_vs_nnls/session24/compare_devbox_${v}_$r.txt 2>&1
  done
done
