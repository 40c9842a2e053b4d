#!/bin/bash
# Session 26: compare.py on the GPU host CPU, new and base (68f073c) time_hull interleaved.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
R=${1:-1}; N=${2:-3}; mkdir -p /tmp/res
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null
  python3 -c "import numpy, scipy; print('numpy', numpy.__version__, 'scipy', scipy.__version__)"; uptime; } > /tmp/res/lscpu_$R.txt 2>&1
for r in $(seq $R $((R + N - 1))); do
  for v in new base; do
    taskset -c 3 python3 compare.py --build $PWD/$v --sizes 4096,16384,131072 --queries 8 --repeats 15 \
      --cvxopt-queries 0 --out /tmp/res/compare_${v}_$r.json > /tmp/res/compare_${v}_$r.txt 2>&1
    echo "round $r $v done $(date +%T) rc $?"; tar czf $OUT/results_$R.tgz -C /tmp/res .
  done
done
