# Session 18: the CUDA kernel through vashista kernel and certify, then the GPU tests
# (experiments/gpu/results/session18/README.md). Run from the repository root with a CUDA build of vashista in
# build-gpu/ (its shared libraries in build-gpu/lib) and OUT set.
set -u
export LD_LIBRARY_PATH=$PWD/build-gpu/lib
B=$PWD/build-gpu/vashista
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
$B --version
{
echo "== lm_small.h5, CUDA kernel (flat), eps 0.01,0.1,1"
$B kernel data/lm_small.h5 --out /tmp/k_flat.h5 --device cuda --eps 0.01,0.1,1 --quiet && $B certify /tmp/k_flat.h5 --model softmax --quiet --per-query /tmp/k_flat.csv | tail -3; echo "certify exit ${PIPESTATUS[0]}"
echo "== lm_small.h5, CUDA kernel (hierarchical 4/4), eps 0.01,1"
$B kernel data/lm_small.h5 --out /tmp/k_hier.h5 --device cuda --superpage-size 4 --refine 4 --eps 0.01,1 --quiet && $B certify /tmp/k_hier.h5 --model softmax --quiet | tail -3; echo "certify exit ${PIPESTATUS[0]}"
echo "== lm_8k.h5, CUDA kernel (flat), eps 0.01,1"
$B kernel data/lm_8k.h5 --out /tmp/k8.h5 --device cuda --eps 0.01,1 --quiet && $B certify /tmp/k8.h5 --model softmax --quiet | tail -3; echo "certify exit ${PIPESTATUS[0]}"
echo "== synthetic float32 and bfloat16 (gen), CUDA kernel, eps 1e-3,1; then a trace without values"
for dt in float32 bfloat16; do $B gen /tmp/s_$dt.h5 --n 2000 --d 64 --dv 64 --queries 8 --dtype $dt --force && $B kernel /tmp/s_$dt.h5 --out /tmp/sk_$dt.h5 --device cuda --eps 1e-3,1 --pages 8 --quiet && $B certify /tmp/sk_$dt.h5 --quiet | tail -2; echo "certify exit ${PIPESTATUS[0]}"; done
$B gen /tmp/nv.h5 --n 500 --d 32 --dv 0 --force && $B kernel /tmp/nv.h5 --out /tmp/nvk.h5 --device cuda --quiet && $B certify /tmp/nvk.h5 --quiet | tail -2; echo "certify exit ${PIPESTATUS[0]}"
python3 - <<'PY'
import csv, math
rows=[r for r in csv.DictReader(open('/tmp/k_flat.csv')) if r['model']=='kernel']
print('flat kernel rows', len(rows), 'by eps:', {e: sum(1 for r in rows if r['eps']==e) for e in sorted({r['eps'] for r in rows})})
b=[float(r['log10_tail_bound']) for r in rows if r['eps']=='0.01']
print('eps 0.01: log10 tail_bound min %.1f, rows with bound < 1e-300: %d' % (min(b), sum(1 for x in b if x < -300)))
PY
} 2>&1 | tee $OUT/gpu_cli.txt
echo "== gpu_tests"
OUT=$OUT bash experiments/gpu/run_gpu.sh --tests-only > $OUT/gpu_tests_run.txt 2>&1; echo "gpu_tests exit $?"; tail -25 $OUT/gpu_tests_run.txt
