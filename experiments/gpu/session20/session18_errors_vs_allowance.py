"""The GPU output errors session 18 measured (experiments/gpu/results/session18/output_check_small_eps.txt, NVIDIA
H200) against the rounding allowance certify now gives those rows. The allowance depends on the trace, the
candidates and the kernel's compute_dtype only, so it is computed here from the CPU reference's run (same
selection: the GPU tests found the CUDA selection identical to the CPU reference's) relabelled as the CUDA
kernel. Usage, from the repository root with a vashista build VASHISTA:
  for t in lm_small lm_8k; do rm -f /tmp/kk_$t.h5; $VASHISTA kernel data/$t.h5 --out /tmp/kk_$t.h5 --eps 0.01,0.03 --quiet; done
  python3 experiments/gpu/session20/session18_errors_vs_allowance.py VASHISTA"""
import csv
import re
import subprocess
import sys

import h5py


def relabel_as_cuda(path):
    with h5py.File(path, 'r+') as f:
        for group in f['streams'].values():
            group['kernel'].attrs['compute_dtype'] = 'bfloat16/float32'
            group['kernel'].attrs['device'] = 'NVIDIA H200 (relabelled CPU reference)'


def session18_rows():
    rows, trace = [], None
    for line in open('experiments/gpu/results/session18/output_check_small_eps.txt'):
        m = re.match(r'== (\w+):', line)
        if m:
            trace = m.group(1)
            continue
        m = re.match(r'\s+[\d.]+\s+([\d.]+)\s+(\S+)\s+q(\d+)\s+err ([\d.e+-]+)\s+bound ([\d.e+-]+)', line)
        if m and float(m.group(5)) == 0.0:  # tail_bound 0: the error is rounding only
            rows.append((trace, float(m.group(1)), m.group(2), int(m.group(3)), float(m.group(4))))
    return rows


def main(vashista):
    allowance = {}
    for trace in ['lm_small', 'lm_8k']:
        relabel_as_cuda(f'/tmp/kk_{trace}.h5')
        subprocess.run([vashista, 'certify', f'/tmp/kk_{trace}.h5', '--model', 'softmax', '--quiet',
                        '--per-query', f'/tmp/kk_{trace}.csv'], check=True, stdout=subprocess.DEVNULL)
        for r in csv.DictReader(open(f'/tmp/kk_{trace}.csv')):
            if r['model'] == 'kernel':
                allowance[(trace, float(r['eps']), r['stream'], int(r['query']))] = float(r['output_rounding'])
    for trace, eps, stream, query, error in session18_rows():
        a = allowance[(trace, eps, stream, query)]
        print(f'{trace} eps {eps:g} {stream} q{query}: GPU error {error:.3g} (session 18), allowance {a:.3g}, '
              f'error / allowance {error / a:.3f}')


if __name__ == '__main__':
    main(sys.argv[1])
