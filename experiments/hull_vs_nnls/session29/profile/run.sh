#!/bin/bash
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/../lib OMP_NUM_THREADS=1
for spec in "4096 1 0 150" "16384 1 0 40" "4096 0 0 300" "4096 1 1 150"; do
  set -- $spec
  for k in 1 2; do
    SAMPLE_DELAY_MS=1500 SAMPLE_US=100 SAMPLE_OUT=$OUT/s_$1_$2_$3_$k.txt REPS=$4 taskset -c 3 ./drv $1 $2 $3 | tee $OUT/t_$1_$2_$3_$k.txt
  done
done
