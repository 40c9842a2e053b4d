# Session 20: the CUDA kernel's outputs against certify's derived rounding allowance (docs/kernel.md "How
# certify judges an output"), at eps 0.003 to 1 on the bundled LM traces (flat and hierarchical routing), on
# synthetic bfloat16 and float32 traces, then the GPU tests (the kernel's layout constants moved to
# src/sparse/cuda_layout.hpp). Run from the repository root with a CUDA build of vashista in build-gpu/ (its
# shared libraries in build-gpu/lib) and OUT set; per-query CSVs go to $OUT.
set -u
export LD_LIBRARY_PATH=$PWD/build-gpu/lib
B=$PWD/build-gpu/vashista
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
$B --version
EPS=0.003,0.01,0.03,0.1,0.3,1
for t in lm_small lm_8k; do
  echo "== $t.h5, CUDA kernel (flat), eps $EPS"
  $B kernel data/$t.h5 --out /tmp/k_$t.h5 --device cuda --eps $EPS --quiet
  $B certify /tmp/k_$t.h5 --model softmax --quiet --per-query $OUT/k_$t.csv | tail -2; echo "certify exit ${PIPESTATUS[0]}"
done
echo "== sweep on the CUDA kernel's lm_small outputs (kernel table)"
$B sweep /tmp/k_lm_small.h5 --eps 0.01,0.1,1 --model softmax --quiet --report $OUT/sweep_k_lm_small.json | sed -n '/kernel outputs/,$p' | tail -45
echo "== lm_small.h5, CUDA kernel (hierarchical 4/4), eps 0.003,0.01,1"
$B kernel data/lm_small.h5 --out /tmp/kh.h5 --device cuda --superpage-size 4 --refine 4 --eps 0.003,0.01,1 --quiet
$B certify /tmp/kh.h5 --model softmax --quiet --per-query $OUT/kh_lm_small.csv | tail -2; echo "certify exit ${PIPESTATUS[0]}"
for dt in bfloat16 float32; do
  echo "== synthetic $dt (gen --n 2000 --d 128 --dv 128), CUDA kernel, eps 0.01,0.1,1, 8 pages"
  $B gen /tmp/s_$dt.h5 --n 2000 --d 128 --dv 128 --queries 8 --dtype $dt --force > /dev/null
  $B kernel /tmp/s_$dt.h5 --out /tmp/sk_$dt.h5 --device cuda --eps 0.01,0.1,1 --pages 8 --quiet
  $B certify /tmp/sk_$dt.h5 --quiet --per-query $OUT/sk_$dt.csv | tail -2; echo "certify exit ${PIPESTATUS[0]}"
done
echo "== gpu_tests"
OUT=$OUT bash experiments/gpu/run_gpu.sh --tests-only > $OUT/gpu_tests_run.txt 2>&1; echo "gpu_tests exit $?"
tail -5 $OUT/gpu_tests_run.txt
