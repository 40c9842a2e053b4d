#!/usr/bin/env bash
# Where the exact projection's time goes, phase by phase (docs/benchmarks.md, "Session 8").
#
# usage: experiments/hull_vs_nnls/phase_profile.sh [BENCHMARK_FILTER...]
#   default filters: the planted single-query stream-norms benchmarks at n = 4096, 16384, 131072.
#
# Builds bench_hull_projection in a temporary git worktree of HEAD with phase_timers.patch applied
# (steady_clock timers around the solver's phases; the library itself carries none), runs each filter
# alone (OMP_NUM_THREADS=1) and prints every phase per query, in microseconds and in passes over K
# (the benchmark's own reference pass of the same run). Needs the project's build dependencies.
# PHASE_BENCH=path: use that already built (patched) benchmark binary instead, e.g. on another machine;
# PHASE_TASKSET="taskset -c 3": a command prefix that pins the runs to one core.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -n "${PHASE_BENCH:-}" ]; then
  bench="$PHASE_BENCH"
else
  work="$(mktemp -d)"
  trap 'git -C "$repo" worktree remove --force "$work/wt" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  git -C "$repo" worktree add -q --detach "$work/wt" HEAD
  git -C "$work/wt" apply "$repo/experiments/hull_vs_nnls/phase_timers.patch"
  cmake -S "$work/wt" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DVASHISTA_CUDA=OFF >/dev/null
  cmake --build "$work/build" --target bench_hull_projection -j"$(nproc)" >/dev/null
  bench="$work/build/bench/bench_hull_projection"
fi
filters=("$@")
if [ ${#filters[@]} -eq 0 ]; then
  filters=('BM_HullSingleStreamNorms/n:4096/planted:1$' 'BM_HullSingleStreamNorms/n:16384/planted:1$'
           'BM_HullSingleStreamNorms/n:131072/planted:1$')
fi
for filter in "${filters[@]}"; do
  OMP_NUM_THREADS=1 ${PHASE_TASKSET:-} "$bench" --benchmark_filter="$filter" \
    --benchmark_min_time=0.5 2>&1 | python3 -c '
import re, sys
lines = sys.stdin.read().splitlines()
bench = [l for l in lines if l.startswith("BM_")]
if not bench:
    sys.exit("phase_profile: no benchmark matched")
value = lambda x: float(x[:-1]) * 1000 if x.endswith("k") else float(x)
counters = dict(re.findall(r"(\w+)=([0-9.]+k?)", bench[0]))
pass_us = value(counters["pass_us"])
phases = [re.match(r"phase (.+?)\s+([0-9.]+) us\s+(\d+) calls", l).groups() for l in lines if l.startswith("phase ")]
queries = int(phases[0][2])  # the "total" phase runs once per solve
print(bench[0].split()[0], f"(one pass {pass_us:.1f} us, {queries} solves)")
for name, us, calls in phases:
    per_query = float(us) / queries
    print(f"  {name:22s} {per_query:10.1f} us/query {per_query / pass_us:6.2f} passes")
'
done
