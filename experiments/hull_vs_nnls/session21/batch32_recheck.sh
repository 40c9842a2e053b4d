#!/bin/bash
# Session 21: the 32-query batch at planted n = 4096 (whose last pricing passes have 5-16 queries left),
# HEAD 54187ed against kNarrowBatch 4 and 8 (scratch build with VASHISTA_NARROW), 6 interleaved rounds of
# 3 repetitions each. Usage: batch32_recheck.sh HEAD_BENCH TUNE_BENCH OUT_FILE
set -euo pipefail
head_bench=$1 tune_bench=$2 out=$3
: > "$out"
for round in 1 2 3 4 5 6; do
  for variant in head 4 8; do
    if [ "$variant" = head ]; then bench=$head_bench; else bench=$tune_bench; fi
    VASHISTA_NARROW=$variant OMP_NUM_THREADS=1 taskset -c 1 "$bench" --benchmark_filter='BM_HullBatch/n:4096/planted:1$' \
      --benchmark_repetitions=3 --benchmark_min_time=0.3 2>/dev/null | grep -v "_mean\|_median\|_stddev\|_cv" |
      grep -o "us_per_query=[0-9.]*" | sed "s/^/$variant /" >> "$out"
  done
done
