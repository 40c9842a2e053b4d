import json, subprocess, statistics, sys
kinds = sys.argv[1].split(',')
rounds = int(sys.argv[2])
res = {}
for r in range(rounds):
    for kind in kinds:
        for v in ['b', 'n']:
            out = subprocess.run(['taskset', '-c', '1', f'/tmp/th{v}/time_hull', f'/tmp/inst/{kind}.h5', '15'],
                                 capture_output=True, text=True, env={'OMP_NUM_THREADS': '1'}).stdout
            d = json.loads(out)
            single = statistics.median(q['time_s'] for q in d['queries'])
            ratio = single / d['pass_s']
            res.setdefault((kind, v), []).append((single * 1e6, ratio, d['batch_time_per_query_s'] / d['pass_s']))
for k, v in sorted(res.items()):
    print(k, ' '.join(f'{a:.0f}us/{b:.2f}x/b{c:.2f}' for a, b, c in v))
