import sys, os, h5py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import make_planted, make_far
os.makedirs('/tmp/probe', exist_ok=True)
wanted = os.environ.get('MK', 'planted_4096 planted_16384 far_4096 far_16384 planted_131072').split()
for kind, n in [(w.split('_')[0], int(w.split('_')[1])) for w in wanted]:
    keys, queries, _ = (make_planted if kind == 'planted' else make_far)(n, 32, seed=1000 + n)
    with h5py.File(f'/tmp/probe/{kind}_{n}.h5', 'w') as f:
        f['keys'] = keys; f['queries'] = queries[:8]
