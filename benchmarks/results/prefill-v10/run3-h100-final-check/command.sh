#!/bin/bash
# session 7 run 3: the final tree (SAS codes with 2^-n on inv's exponent in the mma.sync kernels only):
# build, whole GPU suite, memcheck + racecheck (gpu_check.sh), then decode.py (benchmark of record).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
rm -rf build turboattn/_C*.so
t0=$(date +%s)
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
echo "check: $(( $(date +%s) - t0 )) s"
grep -E "ERROR SUMMARY|hazard|RACECHECK SUMMARY" $OUT/sanitizer.txt | head
timeout 150 python3 benchmarks/decode.py --out $OUT > $OUT/decode_bench.log 2>&1; echo "decode rc=$?"
grep -E "^\| [0-9]" $OUT/decode.md
echo "total: $(( $(date +%s) - t0 )) s"
