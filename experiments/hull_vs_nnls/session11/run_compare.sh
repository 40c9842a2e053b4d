#!/bin/bash
# run_compare.sh: builds time_hull with -march=x86-64-v2 (the earlier sessions' build) and x86-64-v3
# -ffp-contract=off (VASHISTA_ARCH=AUTO's), then runs compare.py alternately. Env: RUNS, SIZES.
set -e
cd "$(dirname "$0")/../.."
for a in v2 v3; do
  extra=""; [ $a = v3 ] && extra="-ffp-contract=off"
  mkdir -p /tmp/hb_$a
  g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-$a $extra -fno-math-errno -fopenmp -I src -I/usr/include/eigen3 \
    -I build-dev/include -I/usr/include/hdf5/serial src/solvers/min_norm_point.cpp src/solvers/key_dots.cpp \
    src/solvers/key_norms.cpp src/solvers/hull_projection.cpp src/core/*.cpp experiments/hull_vs_nnls/time_hull.cpp \
    -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 build-dev/lib/libfmt.so.9 -o /tmp/hb_$a/time_hull
done
python3 -c "import scipy; print('scipy', scipy.__version__)" > $OUT/versions.txt
g++ --version | head -1 >> $OUT/versions.txt
export LD_LIBRARY_PATH=$PWD/build-dev/lib OMP_NUM_THREADS=1
for r in $(seq 1 ${RUNS:-1}); do
  for a in ${ARCHS:-v2 v3}; do
    taskset -c 3 python3 experiments/hull_vs_nnls/compare.py --build /tmp/hb_$a --sizes ${SIZES:-4096} \
      --queries 8 --repeats 3 --cvxopt-queries 0 > $OUT/compare_${a}_$r.txt 2>&1
    echo "run $r $a done $(date +%T)"
  done
done
