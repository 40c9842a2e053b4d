#!/bin/bash
# Session 23: compare.py on the GPU host's CPU, new (1c1e5f8) and base (5c48416) time_hull interleaved.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib OMP_NUM_THREADS=1
lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)" > $OUT/lscpu.txt
nvidia-smi --query-gpu=name --format=csv,noheader >> $OUT/lscpu.txt 2>/dev/null
python3 -c "import numpy, scipy, h5py; print('numpy', numpy.__version__, 'scipy', scipy.__version__)" >> $OUT/lscpu.txt 2>&1
uptime >> $OUT/lscpu.txt
./new/time_hull 2>&1 | head -2 >> $OUT/lscpu.txt
for r in 1 2 3; do
  for v in new base; do
    taskset -c 3 python3 compare.py --build $PWD/$v --sizes 4096,16384,131072 --queries 8 --repeats 15 \
      --cvxopt-queries 0 --out $OUT/compare_${v}_$r.json > $OUT/compare_${v}_$r.txt 2>&1
    echo "round $r $v done $(date +%T) rc $?"
  done
done
