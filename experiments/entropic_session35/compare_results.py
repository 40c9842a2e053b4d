#!/usr/bin/env python3
"""compare_results.py BASE.txt NEW.txt: for two outputs of entropic_workload.cpp over the same inputs, the
largest |ln tail difference| in units of BASE's error bar, and Newton iterations per (eps, single|sweep)."""
import collections, sys


def load(path):
    rows = {}
    for line in open(path):
        p = line.split()
        rows[tuple(p[:4])] = (float(p[4]), float(p[5]), int(p[6]))
    return rows


def main():
    base, new = load(sys.argv[1]), load(sys.argv[2])
    worst, where = 0.0, None
    iterations = collections.defaultdict(lambda: [0, 0])
    for key, (tail, bar, its) in base.items():
        other = new[key]
        if bar > 0 and tail == tail and other[0] == other[0]:
            gap = abs(other[0] - tail) / bar
            if gap > worst:
                worst, where = gap, key
        iterations[key[2:]][0] += its
        iterations[key[2:]][1] += other[2]
    print(f"largest |ln tail difference| / error bar: {worst:.3g} at {where}")
    for (eps, kind), (a, b) in sorted(iterations.items(), key=lambda kv: (float(kv[0][0]), kv[0][1])):
        print(f"eps {eps:>8} {kind:6}: Newton iterations {a} -> {b}")


if __name__ == "__main__":
    main()
