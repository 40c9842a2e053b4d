# Session 18: CUDA kernel at small eps on the bundled LM traces, certify, and the output errors against the
# check's arithmetic allowance (experiments/gpu/results/session18/README.md). Run from the repository root with
# a CUDA build of vashista in build-gpu/ (its shared libraries in build-gpu/lib) and OUT set.
set -u
export LD_LIBRARY_PATH=$PWD/build-gpu/lib
B=$PWD/build-gpu/vashista
for t in lm_small lm_8k; do
  $B kernel data/$t.h5 --out /tmp/k_$t.h5 --device cuda --eps 0.01,0.03,0.1,1 --quiet
  $B certify /tmp/k_$t.h5 --model softmax --quiet --per-query /tmp/k_$t.csv > /dev/null; echo "$t certify exit $?"
done
python3 - <<'PY' 2>&1 | tee $OUT/violations2.txt
import csv, h5py, numpy as np
def load(ds):
    a = ds[()]
    if ds.attrs.get('dtype', b'') in (b'bfloat16', 'bfloat16'):
        a = (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float64)
for t in ['lm_small', 'lm_8k']:
    rows = [r for r in csv.DictReader(open(f'/tmp/k_{t}.csv')) if r['model'] == 'kernel']
    f = h5py.File(f'data/{t}.h5', 'r')
    cache = {}
    out = []
    for r in rows:
        name = r['stream']
        if name not in cache:
            g = f['streams'][name]
            cache[name] = (load(g['keys']), load(g['queries']), load(g['values']), float(g.attrs.get('scale', 0.125)))
        K, Q, V, tau = cache[name]
        n = int(r['n']); j = int(r['query']); e = float(r['eps'])
        s = tau * (K[:n] @ Q[j])
        absdot = tau * (np.abs(K[:n]) @ np.abs(Q[j]))
        p = np.exp((s - s.max()) / e); p /= p.sum()
        dense = V[:n].T @ p
        err = float(r['output_error']); bnd = float(r['output_error_bound'])
        tol = 1e-5 * max(1.0, np.linalg.norm(dense))
        u = 2.0**-24
        delta = (K.shape[1] * u * absdot.max() + u * np.abs(s).max()) / e   # logit error scale (fp32 dot + rounding)
        vmax = np.linalg.norm(V[:n], axis=1).max()
        out.append((err / max(bnd + tol, 1e-300), e, name, j, err, bnd, tol, np.linalg.norm(dense), vmax, delta, r['output_within_bound']))
    out.sort(reverse=True)
    print(f'== {t}: kernel rows {len(rows)}, violations {sum(1 for x in out if x[-1] == "false")}')
    print('  err/(bound+tol)  eps  stream q  err  bound  tol  ||dense||  max||v_i||  Delta(logit err bound)  within')
    for x in out[:8]:
        print('  %.3g  %g  %s q%d  err %.3e  bound %.3e  tol %.3e  |dense| %.3g  vmax %.3g  Delta %.3e  %s' % x)
PY
