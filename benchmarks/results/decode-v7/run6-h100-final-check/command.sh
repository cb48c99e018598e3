#!/bin/bash
# session 8 run 6: the final tree (decode warp kernel with the cp.async stage, the 168-register row as the
# D = 128 default, 8-row tiles, wave-aware plan): build, whole GPU suite, memcheck + racecheck
# (gpu_check.sh), then decode.py (benchmark of record).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
echo "check: $(( $(date +%s) - t0 )) s"
grep -E "ERROR SUMMARY|hazard|RACECHECK SUMMARY" $OUT/sanitizer.txt | head
timeout 150 python3 benchmarks/decode.py --out $OUT > $OUT/decode_bench.log 2>&1; echo "decode rc=$?"
grep -E "^\| [0-9]" $OUT/decode.md
echo "total: $(( $(date +%s) - t0 )) s"
