#!/bin/bash
# Session 34: time_hull A/B (BUILDS, alternating, ROUNDS times) on instances of compare.py's recipe, core 3.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
mkdir -p /tmp/res
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null; uptime; } > /tmp/res/lscpu.txt 2>&1
MK="${INSTANCES:-planted_4096 planted_16384 far_4096 far_16384 planted_131072}" python3 mk.py
for r in $(seq 1 ${ROUNDS:-2}); do
  for f in ${INSTANCES:-planted_16384 planted_4096 far_4096 far_16384 planted_131072}; do
    for b in ${BUILDS:-th_base th_new}; do
      taskset -c 3 ./$b /tmp/probe/$f.h5 ${REPEATS:-15} > /tmp/res/${f}_${b}_$r.json 2>/tmp/res/${f}_${b}_$r.err
    done
    python3 cmp.py $(for b in ${BUILDS:-th_base th_new}; do echo /tmp/res/${f}_${b}_$r.json; done) | tee -a /tmp/res/summary.txt
    tar czf $OUT/results.tgz -C /tmp/res .
  done
done
