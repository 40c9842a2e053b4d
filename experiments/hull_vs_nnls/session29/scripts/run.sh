#!/bin/bash
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib
{ lscpu | grep -E "Model name|Model:|L2|L3|^CPU\(s\)"; nvidia-smi --query-gpu=name --format=csv,noheader; uptime; } > $OUT/host.txt 2>&1
python3 probe.py ${1:-10} ${2:-new,off} $OUT > $OUT/probe.txt 2>&1; echo rc $?
tail -3 $OUT/probe.txt
