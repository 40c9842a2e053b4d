import json, sys, glob, statistics as st, collections
d = sys.argv[1]
rows = collections.defaultdict(list)
for f in sorted(glob.glob(d + '/*.json')):
    inst, b, r = f.split('/')[-1][:-5].rsplit('_', 2)
    j = json.load(open(f)); q = j['queries']
    single = st.median(x['time_s'] for x in q); stream = st.median(x['time_stream_s'] for x in q)
    rows[(inst, b)].append((single / j['pass_s'], stream / j['pass_s'], j['pass_s'] * 1e6, single * 1e6, j['pass_descending_s'] / j['pass_s']))
for (inst, b), v in sorted(rows.items()):
    m = lambda k: st.median(x[k] for x in v)
    print(f"{inst:14s} {b:6s} single {m(0):.2f} [{min(x[0] for x in v):.2f}-{max(x[0] for x in v):.2f}] stream {m(1):.2f} pass_us {m(2):7.1f} single_us {m(3):7.1f} desc {m(4):.2f}  per-round single: {' '.join('%.2f' % x[0] for x in v)}")
