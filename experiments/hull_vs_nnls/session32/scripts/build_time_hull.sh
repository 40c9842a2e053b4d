#!/bin/bash
# build.sh TREE KD OUT : time_hull from TREE with key_dots.cpp replaced by KD
set -e
TREE=$1; KD=$2; OUT=$3
g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off -fno-math-errno -fopenmp -I $TREE/src -I/usr/include/eigen3 -I/usr/include/hdf5/serial \
  $TREE/src/solvers/{min_norm_point,key_norms,hull_projection,gram_inverse_bound}.cpp $KD $TREE/src/core/*.cpp $TREE/experiments/hull_vs_nnls/time_hull.cpp \
  -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt -o $OUT
strip $OUT
