#!/usr/bin/env bash
# Session 15 A/B of backward_pricing_pass.patch (docs/benchmarks.md, "Session 15"): two rounds alternating
# HEAD and the variant, printing the medians in the format of backward_pricing_devbox.txt.
#   HEAD=path/to/bench_hull_projection VARIANT=path/to/patched/bench_hull_projection bash ab_backward.sh
# Both built with cmake -DCMAKE_BUILD_TYPE=Release -DVASHISTA_CUDA=OFF (AUTO = x86-64-v3); the variant is
# HEAD with `git apply backward_pricing_pass.patch`.
set -euo pipefail
: "${HEAD:?path of HEAD's bench_hull_projection}" "${VARIANT:?path of the variant's bench_hull_projection}"
filter='BM_HullSingle(StreamNorms)?/n:(4096|16384)/planted:1$|BM_HullSingle/n:4096/planted:0$'
for round in 1 2; do
  for v in head rev; do
    bin=$HEAD
    [ "$v" = rev ] && bin=$VARIANT
    OMP_NUM_THREADS=1 taskset -c 1 "$bin" --benchmark_filter="$filter" --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null |
      python3 -c "
import json, sys
for b in json.load(sys.stdin)['benchmarks']:
    if b['aggregate_name'] == 'median':
        print('$v round $round', b['run_name'], 'ratio %.3f pass_us %.1f pass_gemv_us %.1f pass_dots_us %.1f '
              'us_per_query %.1f key_passes %.3f' % (b['ratio'], b['pass_us'], b['pass_gemv_us'], b['pass_dots_us'],
                                                    b['us_per_query'], b['key_passes']))"
  done
done
