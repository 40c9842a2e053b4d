#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan + libFuzzer coverage) into build-fuzz and runs
# each one for SECONDS (default 60) on a copy of its committed seed corpus, under nice -n 19.
#   bash fuzz/run.sh [SECONDS] [HARNESS...]     harnesses: trace_reader eps_spec cli_options stream_eval
# Fork mode: a crash, timeout or OOM is saved to build-fuzz/findings/<harness>/ and fuzzing goes on
# (-ignore_crashes etc.); logs in build-fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(trace_reader eps_spec cli_options stream_eval)
build=build-fuzz
nice -n 19 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVASHISTA_FUZZ=ON -DVASHISTA_SANITIZE=ON \
  -DVASHISTA_CUDA=OFF -DVASHISTA_BENCHMARKS=OFF -DBUILD_TESTING=OFF \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
nice -n 19 cmake --build "$build" -j2 "${targets[@]}"
mkdir -p "$build/logs" "$build/tmp"
export VASHISTA_FUZZ_TMP="$PWD/$build/tmp"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h"
  mkdir -p "$corpus" "$build/findings/$h"
  cp -n fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
  dict=()
  [ -f "fuzz/$h.dict" ] && dict=(-dict="fuzz/$h.dict")
  echo "fuzz/run.sh: $h for ${seconds}s" >&2
  nice -n 19 "$build/fuzz/fuzz_$h" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_len=200000 -artifact_prefix="$build/findings/$h/" -print_final_stats=1 \
    >"$build/logs/$h.log" 2>&1 || echo "fuzz/run.sh: $h stopped with a finding (see $build/logs/$h.log)" >&2
  tail -n 12 "$build/logs/$h.log" >&2
done
