F='BM_HullSingle(StreamNorms)?/n:(4096|16384)/planted:1$|BM_HullSingle/n:4096/planted:0$'
for round in 1 2; do for v in head rev; do
  OMP_NUM_THREADS=1 taskset -c 1 /tmp/bench_$v --benchmark_filter="$F" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null > /tmp/ab_${v}_$round.json
  python3 -c "
import json,sys
d=json.load(open('/tmp/ab_${v}_$round.json'))
for b in d['benchmarks']:
  if b['aggregate_name']=='median': print('$v r$round', b['run_name'], 'ratio %.3f pass_us %.1f us/q %.1f passes %.2f'%(b['ratio'],b['pass_us'],b['us_per_query'],b['key_passes']))
"
done; done
