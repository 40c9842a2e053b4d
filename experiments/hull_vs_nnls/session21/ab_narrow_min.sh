#!/bin/bash
# Session 21: HEAD 54187ed against the batch-width threshold kNarrowBatch = 1 (GEMM for every batch of 2+
# queries, as HEAD) / 4 / 8 / 16, set through a VASHISTA_NARROW environment variable of a scratch build
# (not in the repository). Each variant: 4 repetitions of 0.3 s, two rounds, interleaved; the table takes
# the minimum over the 8 repetitions (the development box is a VM whose speed changes by up to 2x within
# minutes; the minimum is the least disturbed run).
# Usage: ab_narrow_min.sh HEAD_BENCH TUNE_BENCH OUT_DIR
set -euo pipefail
head_bench=$1 tune_bench=$2 out=$3
filter='BM_Hull(Batch/n:(4096|16384)/planted:.|Group/n:(4096|16384)/planted:./group:(2|4|8))$'
for round in 1 2; do
  OMP_NUM_THREADS=1 taskset -c 1 "$head_bench" --benchmark_filter="$filter" --benchmark_repetitions=4 \
    --benchmark_min_time=0.3 --benchmark_format=json > "$out/min_head_round$round.json" 2>/dev/null
  for k in 1 4 8 16; do
    VASHISTA_NARROW=$k OMP_NUM_THREADS=1 taskset -c 1 "$tune_bench" --benchmark_filter="$filter" \
      --benchmark_repetitions=4 --benchmark_min_time=0.3 --benchmark_format=json > "$out/min_n${k}_round$round.json" 2>/dev/null
  done
done
