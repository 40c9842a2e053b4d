import json,sys,statistics as S
# cmp.py f1.json f2.json ... : per file median single/stream ratio and identity of results with the first
fs=sys.argv[1:]
ref=None
for f in fs:
    d=json.load(open(f))
    q=d['queries']
    ps=d['pass_s']
    single=S.median([x['time_s']/ps for x in q])
    stream=S.median([x['time_stream_s']/ps for x in q])
    keys=['status','face','delta_lo','delta_hi','key_passes']
    sig=[tuple(str(x.get(k)) for k in keys) for x in q]
    same='' if ref is None else ('identical' if sig==ref else 'DIFF '+str([i for i,(a,b) in enumerate(zip(sig,ref)) if a!=b]))
    if ref is None: ref=sig
    print(f"{f}: pass {ps*1e6:.1f}us single {single:.2f} stream {stream:.2f} batch {d['batch_time_per_query_s']/ps:.2f} passes {[x['key_passes'] for x in q]} {same}")
