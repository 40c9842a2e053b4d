import sys, os, h5py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import make_planted, make_far
os.makedirs('/tmp/probe', exist_ok=True)
for kind, n in [('planted', 4096), ('planted', 16384), ('far', 4096), ('far', 16384), ('planted', 131072)]:
    keys, queries, _ = (make_planted if kind == 'planted' else make_far)(n, 32, seed=1000 + n)
    with h5py.File(f'/tmp/probe/{kind}_{n}.h5', 'w') as f:
        f['keys'] = keys; f['queries'] = queries[:8]
