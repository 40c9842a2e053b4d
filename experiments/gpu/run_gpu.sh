#!/usr/bin/env bash
# Builds the GPU experiments (experiments/gpu/CMakeLists.txt: only core headers, src/sparse, src/cuda),
# runs the GPU tests (CUDA vs CPU reference vs exact dense), then the decode benchmark (sparse kernel, C++
# with CUDA events; flat and hierarchical routing) and the dense baseline (PyTorch SDPA) in the same run.
# Results go to $OUT (if set) or experiments/gpu/results/.
# Usage: experiments/gpu/run_gpu.sh [--tests-only] [page_budget [pages_per_super [refine_budget]]]
set -u
cd "$(dirname "$0")"
HERE=$(pwd)
RESULTS=${OUT:-$HERE/results}
mkdir -p "$RESULTS"
TESTS_ONLY=0
if [[ "${1:-}" == "--tests-only" ]]; then TESTS_ONLY=1; shift; fi
BUDGET=${1:-64}
SUPER=${2:-64}
REFINE=${3:-16}

echo "== environment"
missing=0
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
if [[ -x "$NVCC" ]]; then "$NVCC" --version | tail -1; else echo "MISSING: nvcc"; missing=1; fi
command -v cmake >/dev/null && cmake --version | head -1 || { echo "MISSING: cmake"; missing=1; }
command -v g++ >/dev/null && g++ --version | head -1 || { echo "MISSING: g++"; missing=1; }
[[ -d /usr/include/eigen3 ]] && echo "Eigen: /usr/include/eigen3" || echo "MISSING?: Eigen headers not in /usr/include/eigen3 (cmake may still find them)"
[[ -f /usr/include/fmt/format.h ]] && echo "fmt: present" || echo "fmt: absent (compat/fmt stand-in is used)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "MISSING: nvidia-smi"
PY=$(command -v python3 || true)
if [[ -n "$PY" ]] && "$PY" -c "import torch" 2>/dev/null; then
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"
else
  echo "MISSING: python3 with torch (the SDPA baseline will be skipped)"
fi
[[ $missing == 0 ]] || { echo "cannot build: see MISSING above"; exit 2; }

echo "== build"
BUILD=${VASHISTA_GPU_BUILD:-/tmp/vashista-gpu-build}
cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DCMAKE_CUDA_COMPILER="$NVCC" > "$RESULTS/cmake.log" 2>&1 || { tail -30 "$RESULTS/cmake.log"; exit 2; }
grep "gpu experiments" "$RESULTS/cmake.log"
cmake --build "$BUILD" -j"$(nproc)" > "$RESULTS/build.log" 2>&1 || { grep -E "error" -A3 "$RESULTS/build.log" | head -60; exit 2; }
echo "built"

echo "== gpu_tests"
"$BUILD/gpu_tests" | tee "$RESULTS/gpu_tests.txt"
tests_rc=${PIPESTATUS[0]}
echo "gpu_tests exit code $tests_rc"
[[ $TESTS_ONLY == 1 ]] && exit $tests_rc

echo "== bench (sparse, page budget $BUDGET, super-pages of $SUPER pages, refine $REFINE)"
"$BUILD/bench_decode" "$RESULTS/bench_sparse.csv" "$BUDGET" "$SUPER" "$REFINE" | tee "$RESULTS/bench_sparse.txt"
COPY=$(awk -F, 'NR==1 {for (i = 1; i <= NF; ++i) if ($i == "copy_GBps") c = i} NR==2 {print $c}' "$RESULTS/bench_sparse.csv")
echo "== bench (PyTorch SDPA)"
if [[ -n "$PY" ]]; then "$PY" "$HERE/bench_sdpa.py" "$RESULTS/bench_sdpa.csv" "${COPY:-nan}"; fi
if [[ -n "$PY" ]]; then "$PY" "$HERE/make_table.py" "$RESULTS/bench_sparse.csv" "$RESULTS/bench_sdpa.csv" "$RESULTS/bench_decode.md"; fi
exit $tests_rc
