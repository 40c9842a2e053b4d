import re,sys,collections,statistics
def v(x): return float(x[:-1])*1000 if x.endswith("k") else float(x)
d=collections.defaultdict(lambda: collections.defaultdict(list))
for b in ["old","new"]:
    for l in open(f"{sys.argv[1]}/{b}.txt"):
        if l.startswith("BM_Hull"):
            name=l.split()[0]; c=dict(re.findall(r"(\w+)=([0-9.]+[kM]?)",l))
            d[name][b].append((v(c["ratio"]),v(c["us_per_query"]),v(c["pass_us"])))
for name in d:
    row=f"{name:44s}"
    for b in ["old","new"]:
        xs=d[name][b]
        row+=f" | {b}: "+"/".join(f"{x[0]:.2f}" for x in xs)+f" med {statistics.median(x[0] for x in xs):.2f} us_med {statistics.median(x[1] for x in xs):.0f}"
    print(row)
