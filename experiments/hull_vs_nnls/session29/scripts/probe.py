#!/usr/bin/python3
"""Session 29 probe: time_hull of HEAD ('new') and of HEAD with pass prefetching disabled ('off'),
interleaved, on compare.py's instances (8 queries, seeds 1000 + n); per process: median single solve,
batch per query, reference pass medians and the process's prefetch decisions."""
import json, os, subprocess, sys, statistics as st, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h5py
from compare import make_planted, make_far
here = os.path.dirname(os.path.abspath(__file__))
rounds = int(sys.argv[1]); builds = sys.argv[2].split(','); outdir = sys.argv[3]
insts = [('far', 4096), ('planted', 4096), ('far', 16384), ('planted', 16384)]
os.makedirs('/tmp/probe', exist_ok=True)
for kind, n in insts:
    keys, queries, _ = (make_planted if kind == 'planted' else make_far)(n, 32, seed=1000 + n)
    with h5py.File(f'/tmp/probe/{kind}_{n}.h5', 'w') as f:
        f['keys'] = keys; f['queries'] = queries[:8]
rows = []
env = dict(os.environ, OMP_NUM_THREADS='1')
t0 = time.time()
for r in range(rounds):
    for kind, n in insts:
        for b in builds:
            o = subprocess.run(['taskset', '-c', os.environ.get('CORE', '3'), f'{here}/{b}/time_hull', f'/tmp/probe/{kind}_{n}.h5', '15'],
                               capture_output=True, text=True, check=True, env=env).stdout
            j = json.loads(o)
            t = st.median(q['time_s'] for q in j['queries'])
            row = dict(round=r, kind=kind, n=n, build=b, single_us=1e6 * t, pass_us=1e6 * j['pass_s'],
                       gemv_us=1e6 * j['pass_gemv_s'], dots_us=1e6 * j['pass_dots_s'], ratio=t / j['pass_s'],
                       batch_ratio=j['batch_time_per_query_s'] / j['pass_s'], desc_us=1e6 * j['pass_descending_s'], plain=j['prefetch_plain'],
                       norms=j['prefetch_norms'], passes=st.mean(q['key_passes'] for q in j['queries']))
            rows.append(row)
            print('%2d %-7s %6d %-4s single %8.1f pass %7.1f (gemv %7.1f dots %7.1f desc %7.1f) ratio %.2f batch %.2f dec %d/%d'
                  % (r, kind, n, b, row['single_us'], row['pass_us'], row['gemv_us'], row['dots_us'], row['desc_us'], row['ratio'],
                     row['batch_ratio'], row['plain'], row['norms']), flush=True)
    with open(f'{outdir}/probe.json', 'w') as f: json.dump(rows, f, indent=0)
print('elapsed', time.time() - t0)
