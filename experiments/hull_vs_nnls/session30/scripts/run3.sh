#!/bin/bash
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
R=/tmp/res3; mkdir -p $R
{ grep -m1 "model\s*:" /proc/cpuinfo; cat /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag; } > $R/host.txt
python3 mk.py
for round in $(seq ${ROUNDS:-3}); do
  for inst in ${INSTS:-planted_4096 planted_16384}; do
    for b in ${BUILDS:-a8 a16 a4 b16 a32}; do
      taskset -c ${CORE:-3} ./th_$b /tmp/probe/$inst.h5 15 > $R/${inst}_${b}_$round.json 2> $R/${inst}_${b}_$round.err
    done
  done
done
tar czf $OUT/res.tgz -C $R .
