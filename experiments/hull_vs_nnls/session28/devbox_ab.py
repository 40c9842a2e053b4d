import subprocess, json, statistics as st, sys
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
res = {}
for r in range(rounds):
    for inst in ('far_4096', 'far_16384', 'planted_4096'):
        for v, b in (('base', '/tmp/th'), ('new', '/tmp/th2')):
            o = subprocess.run(['taskset', '-c', '1', b + '/time_hull', f'/tmp/ab/{inst}.h5', '15'], capture_output=True, text=True, check=True, env={'OMP_NUM_THREADS': '1'}).stdout
            j = json.loads(o)
            t = st.median(q['time_s'] for q in j['queries'])
            res.setdefault((inst, v), []).append((t * 1e6, t / j["pass_s"], j["prefetch_plain"], j["prefetch_norms"]))
for inst in ('far_4096', 'far_16384', 'planted_4096'):
    b = res[(inst, 'base')]; n = res[(inst, 'new')]
    print(inst, 'base us', ' '.join('%.0f' % x[0] for x in b), '| new us', ' '.join('%.0f' % x[0] for x in n),
          '| new/base', ' '.join('%.2f' % (y[0] / x[0]) for x, y in zip(b, n)), '| decisions base', [x[2:] for x in b], 'new', [x[2:] for x in n])
