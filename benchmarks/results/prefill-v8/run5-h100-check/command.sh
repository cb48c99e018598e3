#!/bin/bash
# session 5 run 3: wgmma row as the D=128 default (P V in two halves); whole GPU suite + sanitizers, then the
# full prefill benchmark of rows 0 1 4.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
timeout 300 python3 benchmarks/prefill.py --out $OUT --variants 0 1 4 --no-ceilings --reps 10 > $OUT/bench.log 2>&1
echo "bench rc=$?"; grep -A20 "Other kernel" $OUT/bench.log; grep -E "^\| (1024|4096|16384)" $OUT/prefill.md | head -12
