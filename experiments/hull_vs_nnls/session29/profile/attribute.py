#!/usr/bin/python3
"""Attribute sampler.cpp's instruction pointers: per non-inlined function, and per (function, first frame
of the inline chain that lies in src/solvers or src/core, nearest the outer function). usage:
attribute.py BINARY SAMPLES [top]"""
import collections, subprocess, sys
binary, path = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
addrs = collections.Counter(l.strip() for l in open(path) if l.strip())
uniq = list(addrs)
out = subprocess.run(['addr2line', '-f', '-i', '-C', '-a', '-e', binary], input='\n'.join(uniq) + '\n',
                     capture_output=True, text=True).stdout.splitlines()
chains, cur = {}, None
i = 0
while i < len(out):
    l = out[i]
    if l.startswith('0x'):
        cur = l; chains[cur] = []; i += 1; continue
    chains[cur].append((l, out[i + 1])); i += 2
total = sum(addrs.values())
by_fn, by_site = collections.Counter(), collections.Counter()
for a, c in addrs.items():
    ch = [(f.replace('(anonymous namespace)', 'anon'), l) for f, l in chains.get('0x' + a.rjust(16, '0'), [('?', '?')])]
    outer = ch[-1][0].split('(')[0][:70]
    by_fn[outer] += c
    site = ch[-1][1].split('/')[-1].split(' ')[0]  # line of the outer function
    inner = next((fn.split('(')[0][-40:] + '@' + loc.split('/')[-1].split(' ')[0] for fn, loc in ch if '/src/' in loc), '')
    by_site[(outer, site + '  ' + inner)] += c
print('samples', total)
for fn, c in by_fn.most_common(top): print('%6.2f%%  %s' % (100 * c / total, fn))
print()
for (fn, site), c in by_site.most_common(top): print('%6.2f%%  %-45s %s' % (100 * c / total, fn[:45], site))
