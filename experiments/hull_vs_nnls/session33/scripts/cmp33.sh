#!/bin/bash
# Session 33: compare.py (SciPy NNLS and time_hull of HEAD 50471d7) on the GPU host's CPU, pinned to core 3.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
R=${1:-3}; mkdir -p /tmp/res
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null
  python3 -c "import numpy, scipy; print('numpy', numpy.__version__, 'scipy', scipy.__version__)"; uptime; } > /tmp/res/lscpu.txt 2>&1
for r in $(seq 1 $R); do
  s=$(date +%s)
  taskset -c 3 python3 compare.py --build $PWD/hd --sizes 4096,16384,131072 --queries 8 --repeats 15 \
    --cvxopt-queries 0 --out /tmp/res/compare_hd_$r.json > /tmp/res/compare_hd_$r.txt 2>&1
  echo "round $r rc $? $(( $(date +%s) - s )) s" | tee -a /tmp/res/rounds.txt; tar czf $OUT/results.tgz -C /tmp/res .
done
