#!/bin/bash
# session 32: gather prefetch probe (gl) and time_hull builds a (HEAD), l (lines 0-1, 16 ahead), n (no prefetch)
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
R=/tmp/res; mkdir -p $R
{ lscpu | grep -E "Model name|Model:|L2|L3"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null; } > $R/host.txt 2>&1
python3 mk.py
for n in 4096 16384 131072; do taskset -c 3 ./gl $n ${GLR:-41} > $R/gl_$n.txt 2>&1; done
tar czf $OUT/res.tgz -C $R .
for round in $(seq ${ROUNDS:-3}); do
  for inst in ${INSTS:-planted_4096 planted_16384 far_4096 planted_131072}; do
    for b in ${BUILDS:-sa sl sn ta tl tn}; do
      case "$b$inst" in t*planted_131072|t*far_4096) continue;; esac
      taskset -c 3 ./th_$b /tmp/probe/$inst.h5 15 > $R/${inst}_${b}_$round.json 2> $R/${inst}_${b}_$round.err
    done
  done
  tar czf $OUT/res.tgz -C $R .
done
