#!/usr/bin/python3
"""Sessions 36-37: per compare.py JSON file, median time per query / pass_s for each column (single, stream
norms, stream copy, batch) and NNLS / each column.  ratios.py FILE.json..."""
import json
import statistics
import sys

for path in sys.argv[1:]:
    print(path)
    for row in json.load(open(path)):
        p = row["pass_s"]
        med = {k: statistics.median(row[k]) for k in ("vashista_s", "vashista_stream_s", "vashista_stream_copy_s", "nnls_s")}
        med["batch_s"] = row["batch_s"]
        cols = ("vashista_s", "vashista_stream_s", "vashista_stream_copy_s", "batch_s")
        print(f"  {row['kind']:8s} n={row['n']:6d}  passes: single {med['vashista_s'] / p:.2f}  stream norms "
              f"{med['vashista_stream_s'] / p:.2f}  stream copy {med['vashista_stream_copy_s'] / p:.2f}  batch "
              f"{med['batch_s'] / p:.2f} | NNLS x " + " / ".join(f"{med['nnls_s'] / med[c]:.1f}" for c in cols)
              + f" | copy once {row['copy_s'] / p:.2f} passes")
