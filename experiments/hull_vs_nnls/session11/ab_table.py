# Median / range of the same-run ratio (time per query / one pass) per benchmark and build, from the
# Google Benchmark JSON files BUILD_ROUND.json of one A/B folder (docs/benchmarks.md, "Session 11").
#   python3 ab_table.py ab_lease2_sse2_v3_shrink sse2,v3,new
import json,sys,glob,statistics,os
d=sys.argv[1]; bins=sys.argv[2].split(',')
res={}
for f in sorted(glob.glob(os.path.join(d,'*_*.json'))):
    b=os.path.basename(f).split('_')[0]
    for x in json.load(open(f))['benchmarks']:
        res.setdefault(x['name'],{}).setdefault(b,[]).append((x['ratio'],x['us_per_query'],x['pass_us']))
print(f"{'benchmark':44s} "+" ".join(f"{b+' ratio med [min-max]':24s}" for b in bins)+"  us/query medians")
for k,v in res.items():
    s=[]
    for b in bins:
        r=[t[0] for t in v[b]]
        s.append(f"{statistics.median(r):5.2f} [{min(r):.2f}-{max(r):.2f}]     ")
    us=[statistics.median([t[1] for t in v[b]]) for b in bins]
    print(f"{k:44s} "+" ".join(s)+" "+" / ".join(f"{u:.0f}" for u in us))
