#!/usr/bin/env python3
"""Test helper of printable_names.cmake: copies a trace and gives it names that could break a terminal line.
usage: odd_names.py KIND IN OUT
  format  the root attribute format holds a line break and an escape sequence (the reader refuses it)
  stream  the first stream group is renamed to ODD_STREAM below (a valid trace)"""
import shutil
import sys

import h5py

ODD_STREAM = 'a,b"c\nd\x1b[31m'

kind, src, dst = sys.argv[1:4]
shutil.copyfile(src, dst)
with h5py.File(dst, "r+") as f:
    if kind == "format":
        f.attrs["format"] = "vashista-trace\nsecond line\x1b[31m"
    elif kind == "stream":
        first = sorted(f["streams"].keys())[0]
        f["streams"].move(first, ODD_STREAM)
    else:
        sys.exit(f"unknown kind {kind}")
