#!/bin/bash
# Session 26 on the GPU host's CPU: compare.py new (HEAD) and base (68f073c) interleaved, then phase timers.
cd "$(dirname "$0")"
bash run.sh 1 3
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
for n in 4096:20 16384:6; do
  N=${n%%:*}; R=${n##*:}
  for v in plain phase plain_new phase_new; do
    echo "== $v n=$N REPS=$R"; REPS=$R taskset -c 3 ./drv_$v $N 1 0 2>&1
  done
done > /tmp/res/phases.txt
tar czf $OUT/results_1.tgz -C /tmp/res .
