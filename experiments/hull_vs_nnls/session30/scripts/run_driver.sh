#!/bin/bash
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
lscpu > $OUT/lscpu.txt; grep -m1 "model\s*:" /proc/cpuinfo > $OUT/host.txt; grep -m1 "model name" /proc/cpuinfo >> $OUT/host.txt
for round in 1 2; do
for spec in "4096 200" "16384 50"; do
  set -- $spec
  for mode in 0 1; do
    for b in s t; do
      echo "== round $round $b n=$1 mode=$mode" >> $OUT/diag.txt
      PRE=1 REPS=$2 taskset -c 3 ./host_$b $1 1 $mode >> $OUT/diag.txt 2>&1
    done
  done
done
done
