import json, statistics as st, sys
from collections import defaultdict
rows = json.load(open(sys.argv[1]))
g = defaultdict(list)
for r in rows: g[(r['kind'], r['n'], r['build'])].append(r)
for k, v in g.items():
    med = lambda f: st.median(f(x) for x in v)
    print('%-8s %6d %-5s ratio med %.2f [%.2f-%.2f] <=3 %2d/%d | single %7.0f pass %6.0f desc/pass %.2f | batch %.2f' % (
        k[0], k[1], k[2], med(lambda x: x['ratio']), min(x['ratio'] for x in v), max(x['ratio'] for x in v),
        sum(x['ratio'] <= 3 for x in v), len(v), med(lambda x: x['single_us']), med(lambda x: x['pass_us']),
        med(lambda x: x.get('desc_us', float('nan')) / x['pass_us']), med(lambda x: x['batch_ratio'])))
