#!/usr/bin/env bash
# ASan + UBSan: configures build-asan (-DVASHISTA_SANITIZE=ON, no CUDA, no benchmarks), builds
# vashista and every test, and runs the whole CTest suite under the sanitizers. Any sanitizer
# report fails the test that triggered it (-fno-sanitize-recover=undefined, ASan aborts).
#   bash scripts/sanitize.sh            the whole suite
#   CTEST_EXCLUDE=REGEX bash scripts/sanitize.sh   skip tests whose name matches REGEX
# Jobs: SANITIZE_JOBS (default: nproc). CI calls this from .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=${SANITIZE_JOBS:-$(nproc)}
start=$(date +%s)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVASHISTA_SANITIZE=ON -DVASHISTA_CUDA=OFF \
  -DVASHISTA_BENCHMARKS=OFF -DBUILD_TESTING=ON >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exclude=()
[ -n "${CTEST_EXCLUDE:-}" ] && exclude=(-E "$CTEST_EXCLUDE")
ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 3000 "${exclude[@]}"
echo "sanitize.sh: ASan+UBSan suite passed in $(( $(date +%s) - start )) s" >&2
