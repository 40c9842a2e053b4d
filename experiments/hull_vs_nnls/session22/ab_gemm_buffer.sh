#!/bin/bash
# Session 22: batch passes' GEMM without heap churn (gemm_part / block_product_buffer in
# src/solvers/hull_projection.cpp) against the commit before it, interleaved rounds, one core.
# Usage: ab_gemm_buffer.sh HEAD_BENCH NEW_BENCH ROUNDS OUT_FILE [FILTER]
set -euo pipefail
head_bench=$1 new_bench=$2 rounds=$3 out=$4
filter=${5:-'BM_Hull(Group|Batch)/n:(4096|16384)/'}
: > "$out"
for round in $(seq 1 "$rounds"); do
  for variant in head new; do
    if [ "$variant" = head ]; then bench=$head_bench; else bench=$new_bench; fi
    OMP_NUM_THREADS=1 taskset -c 1 "$bench" --benchmark_filter="$filter" --benchmark_repetitions=3 \
      --benchmark_min_time=0.2 2>/dev/null | grep '_median' |
      sed -E 's/^(BM_[^ ]*)_median.*us_per_query=([0-9.]+k?).*/\1 \2/' | sed "s/^/$variant round$round /" >> "$out"
  done
done
