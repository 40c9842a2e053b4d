"""Summarises the kernel rows of certify's per-query CSVs (experiments/gpu/session20/rounding_check.sh):
per file and temperature, the unsound certificates, the output-bound violations, the largest
error / (bound + rounding allowance), and on rows whose tail_bound is 0 (all mass inside the candidates, so the
error is rounding only) the error against the rounding allowance alone."""
import csv
import sys


def main(paths):
    for path in paths:
        rows = [r for r in csv.DictReader(open(path)) if r['model'] == 'kernel' and r['output_error'] != '']
        print(f'== {path}: {len(rows)} kernel rows with an output')
        by_eps = {}
        for r in rows:
            by_eps.setdefault(float(r['eps']), []).append(r)
        for eps in sorted(by_eps):
            group = by_eps[eps]
            ratios = []
            pure = []
            violations = 0
            unsound = 0
            for r in group:
                err = float(r['output_error'])
                bound = float(r['output_error_bound'])
                rounding = float(r['output_rounding'])
                ratios.append(err / (bound + rounding) if bound + rounding > 0 else float('inf'))
                if r['output_within_bound'] != 'true':
                    violations += 1
                if r['bound_holds'] != 'true':
                    unsound += 1
                if bound == 0.0:
                    pure.append((err / rounding, err, rounding))
            ratios.sort()
            line = (f'eps {eps:g}: rows {len(group)}, unsound {unsound}, output violations {violations}, '
                    f'max error/(bound+rounding) {ratios[-1]:.3g}')
            if pure:
                pure.sort()
                med = pure[len(pure) // 2]
                line += (f'; tail_bound 0 on {len(pure)} rows: error/rounding max {pure[-1][0]:.3g} '
                         f'(error {pure[-1][1]:.3g}, allowance {pure[-1][2]:.3g}), median {med[0]:.3g}, '
                         f'largest error {max(p[1] for p in pure):.3g}, allowance range '
                         f'{min(p[2] for p in pure):.3g} to {max(p[2] for p in pure):.3g}')
            print(line)


if __name__ == '__main__':
    main(sys.argv[1:])
