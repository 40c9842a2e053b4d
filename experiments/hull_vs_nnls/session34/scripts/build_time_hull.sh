#!/bin/bash
# build_time_hull.sh TREE OUT : time_hull from TREE (session 34: the solver has solvers/quantized_keys.cpp
# when TREE has it), built as the default Release build compiles the solver.
set -e
TREE=$1; OUT=$2
SRC="min_norm_point key_norms hull_projection gram_inverse_bound key_dots"
[ -f $TREE/src/solvers/quantized_keys.cpp ] && SRC="$SRC quantized_keys"
g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I $TREE/src -I/usr/include/eigen3 -I/usr/include/hdf5/serial \
  $(for f in $SRC; do echo $TREE/src/solvers/$f.cpp; done) $TREE/src/core/*.cpp $TREE/experiments/hull_vs_nnls/time_hull.cpp \
  -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o $OUT
[ -n "$NOSTRIP" ] || strip $OUT
