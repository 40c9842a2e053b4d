#!/bin/bash
# Session 23, development box (AMD EPYC VM): interleaved A/B of single solves, 5c48416 (base: OpenMP regions
# with false if-clauses) against 1c1e5f8 (new: none for single solves). loop.cpp built at each commit
# (g++ -std=c++20 -O3 -g -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp, sources of
# src/solvers/{min_norm_point,key_dots,key_norms,hull_projection}.cpp); instances: compare.py's
# make_planted / make_far (n, 8 queries, seed 1) written to /tmp/inst/{planted,far}_N.h5.
#   ab_omp_regions.sh BASE_LOOP NEW_LOOP
for r in 1 2 3 4 5; do
  for v in base new; do
    b=$1; [ $v = new ] && b=$2
    for f in planted_4096 far_4096; do
      echo "round $r $v $f $(OMP_NUM_THREADS=1 taskset -c 1 $b /tmp/inst/$f.h5 2)"
    done
  done
done
