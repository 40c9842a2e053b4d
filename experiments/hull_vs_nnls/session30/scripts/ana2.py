import json, re, sys, glob, statistics as st, collections
d = sys.argv[1]
agg = collections.defaultdict(list)
for f in sorted(glob.glob(d + '/*_t_*.json')):
    inst = f.split('/')[-1].rsplit('_t_', 1)[0]
    j = json.load(open(f)); err = open(f[:-5] + '.err').read()
    ph = dict((k, float(v)) for k, v in re.findall(r'^(\S+)\s+([\d.]+) ms', err, re.M))
    nsolve = len(j['queries']) * 15
    p = j['pass_s'] * 1e3
    per = {k: v / nsolve / p for k, v in ph.items()}
    med = st.median(q['time_s'] for q in j['queries']) / j['pass_s']
    groups = {'pass1': per['pass1'], 'full': per['fullpass'], 'wolfe': per['wolfe'], 'pool': per['pool-pre'] + per['shrink'] + per['pool'],
              'cert': per['certify'], 'select': sum(v for k, v in per.items() if k.startswith('sel')) + per['select'] + per['finite'],
              'surv': per['survpass'], 'price': per['price'] + per['axis'] + per['screenloop'], 'viol': per['viol/add'] + per['setref'], 'setup': per['setup']}
    tot = sum(groups.values())
    print(f"{f.split('/')[-1]:28s} ratio(median) {med:.2f} phases-sum {tot:.2f} | " + ' '.join(f'{k} {v:.2f}' for k, v in groups.items()))
for f in sorted(glob.glob(d + '/*_s_*.json')):
    j = json.load(open(f)); med = st.median(q['time_s'] for q in j['queries']) / j['pass_s']
    print(f"{f.split('/')[-1]:28s} ratio(median) {med:.2f}")
