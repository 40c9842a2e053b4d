#!/bin/bash
# Session 24: on the GPU host's CPU (device tool; the lease came on an H200 host), prefetch_cost (first call) and
# compare.py with new (94bdc4c) and base (7b9776a) time_hull interleaved. Carried folder: run.sh (this file),
# compare.py, prefetch_cost, new/time_hull, base/time_hull (built on the development box) and lib/ (their
# shared libraries from ldd, but libc/libm/libstdc++/libgcc_s/libgomp). Calls: `bash run.sh 1 2`, `bash run.sh 3 2`.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
R=${1:-1}; N=${2:-2}; mkdir -p /tmp/res
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null
  python3 -c "import numpy, scipy; print('numpy', numpy.__version__, 'scipy', scipy.__version__)"; uptime; } > /tmp/res/lscpu_$R.txt 2>&1
if [ "$R" = 1 ]; then for n in 4096 16384 131072; do taskset -c 3 ./prefetch_cost $n; done > /tmp/res/prefetch_cost_h100host.txt 2>&1; fi
for r in $(seq $R $((R + N - 1))); do
  for v in new base; do
    taskset -c 3 python3 compare.py --build $PWD/$v --sizes 4096,16384,131072 --queries 8 --repeats 15 \
      --cvxopt-queries 0 --out /tmp/res/compare_${v}_$r.json > /tmp/res/compare_${v}_$r.txt 2>&1
    echo "round $r $v done $(date +%T) rc $?"; tar czf $OUT/results_$R.tgz -C /tmp/res .
  done
done
