#!/bin/bash
# One lease (run from build-dev/ab11 with the binaries there; raw results in this folder): benchmark A/B
# of bench_hull_projection binaries built on the development box: sse2 = 6e3d466 with the project's
# Release flags before cmake/Arch.cmake (no -march), v3 = the same source with
# -DCMAKE_CXX_FLAGS="-march=x86-64-v3 -ffp-contract=off" (what VASHISTA_ARCH=AUTO gives, 76dfa7b),
# new = df76591 (AUTO, batches shrink the pool); then compare.py with time_hull built on the host from
# the tree (-march=x86-64-v2 as in earlier sessions, and x86-64-v3 -ffp-contract=off).
set -e
cd "$(dirname "$0")"
BINS="sse2 v3 new" ./run_ab.sh 3 'BM_Hull' 0.3
mv $OUT/ab.tar.gz $OUT/ab_session11.tar.gz
cd ../..
RUNS=3 SIZES=4096,16384 build-dev/ab11/run_compare.sh
mkdir -p $OUT/big && OUT=$OUT/big RUNS=1 ARCHS=v3 SIZES=131072 build-dev/ab11/run_compare.sh
tar czf $OUT/compare_session11.tar.gz -C $OUT $(cd $OUT && ls compare_*.txt versions.txt) big
rm -rf $OUT/compare_v*.txt $OUT/big
