#!/bin/bash
# Session 24: 20 processes of each build (base 7b9776a, new) on each n = 4096 instance, interleaved; each
# solves the instance's queries for 0.3 s and prints its prefetch decisions (decisions.cpp).
for round in $(seq 1 20); do
  for kind in far_4096 planted_4096; do
    for v in base new; do
      echo "$v $kind $(OMP_NUM_THREADS=1 taskset -c 1 /tmp/prof/decisions_$v /tmp/inst/$kind.h5 0.3)"
    done
  done
done
