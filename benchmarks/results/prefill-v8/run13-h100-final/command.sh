#!/bin/bash
# session 5 run 10 (device call 13): final state, 12-warp wgmma row as the D=128 default: whole GPU suite and
# sanitizers, kernel split, full prefill benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
rm -rf build turboattn/_C*.so
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
timeout 350 python3 benchmarks/prefill.py --out $OUT --reps 10 > $OUT/bench.log 2>&1
echo "bench rc=$?"; grep -E "^\| (1024|4096|16384)" $OUT/prefill.md
