#!/usr/bin/env bash
# Trains the byte-level LM on the machine's own Python sources and dumps attention traces
# (experiments/lm/README.md). One command, no network, no installs; ~7.5 minutes on one H100/H200.
#   bash experiments/lm/run_gpu.sh [extra train_and_dump.py options]
# Outputs under $OUT (./out when unset): train_log.txt, summary.json, lm_traces_small.h5,
# lm_traces_full_part{0..3}.h5 (or lm_traces_full.h5 when one part suffices).
# Env: TRAIN_SECONDS (default 330), DEADLINE (default 480: seconds by which the script has
# written everything), PYTHON (default python3).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-./out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export OUT
export PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
LOG="$OUT/train_log.txt"
START=$(date +%s)

{
  echo "== run_gpu.sh  $(date -u +%Y-%m-%dT%H:%M:%SZ)  out=$OUT  python=$(command -v "$PY")"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: not available"
} 2>&1 | tee "$LOG"

rc=0
# SIGINT at 530 s at the latest (the script's own deadline is 480 s): whatever was written stays.
timeout -s INT -k 15 530 "$PY" "$HERE/train_and_dump.py" --out "$OUT" \
  --train-seconds "${TRAIN_SECONDS:-330}" --deadline "${DEADLINE:-480}" "$@" 2>&1 | tee -a "$LOG" || rc=$?

echo "== train_and_dump.py exit status $rc after $(( $(date +%s) - START ))s" | tee -a "$LOG"
shopt -s nullglob
traces=("$OUT"/*.h5)
if (( ${#traces[@]} )); then
  "$PY" "$HERE/validate_traces.py" "${traces[@]}" 2>&1 | tee -a "$LOG" || { [ "$rc" -ne 0 ] || rc=1; }
else
  echo "== no trace files written" | tee -a "$LOG"
  [ "$rc" -ne 0 ] || rc=1
fi
ls -l "$OUT" 2>&1 | tee -a "$LOG"
echo "== run_gpu.sh done in $(( $(date +%s) - START ))s, exit status $rc" | tee -a "$LOG"
exit "$rc"
