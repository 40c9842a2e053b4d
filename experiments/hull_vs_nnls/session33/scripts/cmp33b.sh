#!/bin/bash
# Session 33: compare.py (SciPy NNLS and time_hull) on the GPU host's CPU, pinned to core 3, rounds
# alternating the pool rows copied in pass 1 (pc) and HEAD 50471d7 (hd).
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
R=${1:-2}; mkdir -p /tmp/res
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null
  python3 -c "import numpy, scipy; print('numpy', numpy.__version__, 'scipy', scipy.__version__)"; uptime; } > /tmp/res/lscpu.txt 2>&1
for r in $(seq 1 $R); do
  for b in pc hd; do
    s=$(date +%s)
    taskset -c 3 python3 compare.py --build $PWD/$b --sizes 4096,16384,131072 --queries 8 --repeats 15 \
      --cvxopt-queries 0 --out /tmp/res/compare_${b}_$r.json > /tmp/res/compare_${b}_$r.txt 2>&1
    echo "round $r $b rc $? $(( $(date +%s) - s )) s" | tee -a /tmp/res/rounds.txt; tar czf $OUT/results.tgz -C /tmp/res .
  done
done
