#!/bin/bash
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
grep -m1 "model\s*:" /proc/cpuinfo > $OUT/host.txt
/usr/bin/python3 mk.py || python3 mk.py
for round in $(seq ${ROUNDS:-3}); do
  for inst in planted_4096 planted_16384 far_4096; do
    for b in s t; do
      taskset -c ${CORE:-3} ./th_$b /tmp/probe/$inst.h5 15 > $OUT/${inst}_${b}_$round.json 2> $OUT/${inst}_${b}_$round.err
    done
  done
done
ls $OUT | wc -l
