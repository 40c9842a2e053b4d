import json, re, sys, glob, statistics as st, collections
d = sys.argv[1]
rows = collections.defaultdict(list)
for f in sorted(glob.glob(d + '/*.json')):
    name = f.split('/')[-1][:-5]
    inst, b, r = name.rsplit('_', 2)
    j = json.load(open(f)); err = open(f[:-5] + '.err').read()
    ph = dict((k, float(v)) for k, v in re.findall(r'^(\S+)\s+([\d.]+) ms', err, re.M))
    p = j['pass_s'] * 1e3; ns = len(j['queries']) * 15
    per = {k: v / ns / p for k, v in ph.items()}
    med = st.median(q['time_s'] for q in j['queries']) / j['pass_s']
    rows[(inst, b)].append((med, per.get('pool-pre', 0), per.get('survpass', 0), per.get('pass1', 0), per.get('fullpass', 0), per.get('wolfe', 0), j['pass_s'] * 1e6))
for (inst, b), v in sorted(rows.items()):
    m = lambda k: st.median(x[k] for x in v)
    print(f"{inst:14s} {b:5s} ratio {m(0):.3f} [{min(x[0] for x in v):.2f}-{max(x[0] for x in v):.2f}] poolpre {m(1):.3f} surv {m(2):.3f} pass1 {m(3):.3f} full {m(4):.3f} wolfe {m(5):.3f} pass_us {m(6):.1f}")
