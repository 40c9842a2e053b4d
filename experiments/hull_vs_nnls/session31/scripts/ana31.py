#!/usr/bin/python3
"""Summarises a run3.sh folder: per instance and build, the median single-solve ratio (median over the
rounds of each run's median over its 8 queries, in units of that run's pass_s) and, for phase-timed
builds, the W0 copy (sel-addW), the whole selection and pass 1 per solve in units of pass_s."""
import collections, glob, json, re, statistics as st, sys

d = sys.argv[1]
rows = collections.defaultdict(list)
for f in sorted(glob.glob(d + '/*.json')):
    inst, b, r = f.split('/')[-1][:-5].rsplit('_', 2)
    j = json.load(open(f))
    err = open(f[:-5] + '.err').read()
    ph = dict((k, float(v)) for k, v in re.findall(r'^(\S+)\s+([\d.]+) ms', err, re.M))
    p = j['pass_s'] * 1e3
    ns = len(j['queries']) * 15
    per = {k: v / ns / p for k, v in ph.items()}
    med = st.median(q['time_s'] for q in j['queries']) / j['pass_s']
    sel = sum(v for k, v in per.items() if k.startswith('sel'))
    rows[(inst, b)].append((med, per.get('sel-addW', float('nan')), sel, per.get('pass1', float('nan')), j['pass_s'] * 1e6))
for (inst, b), v in sorted(rows.items()):
    m = lambda k: st.median(x[k] for x in v)
    print(f"{inst:14s} {b:3s} n={len(v)} ratio {m(0):.3f} [{min(x[0] for x in v):.2f}-{max(x[0] for x in v):.2f}] "
          f"addW {m(1):.4f} select {m(2):.3f} pass1 {m(3):.3f} pass_us {m(4):.1f}")
