#!/bin/bash
# Session 21: small batches (BM_HullGroup: 32 queries as batches of 2 / 4 / 8) and the 32-query batch,
# HEAD 54187ed (Eigen GEMM per block for every batch of 2+ queries) against the working tree
# (kNarrowBatch: one key_dots sweep per query for batches of at most 16). Two rounds, alternating.
# Usage: ab_narrow.sh HEAD_BENCH NEW_BENCH OUT_DIR
set -euo pipefail
head_bench=$1 new_bench=$2 out=$3
filter='BM_Hull(Single|Batch|Group)/n:(4096|16384)/'
for round in 1 2; do
  for variant in head new; do
    bench=$head_bench; [ "$variant" = new ] && bench=$new_bench
    OMP_NUM_THREADS=1 taskset -c 1 "$bench" --benchmark_filter="$filter" --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true --benchmark_out="$out/ab_${variant}_round${round}.json" \
      --benchmark_out_format=json > /dev/null
  done
done
