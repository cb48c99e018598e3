#!/bin/bash
# session 8 run 11: the final tree (run 9's one-row value product, without its look-back backoff): build,
# whole GPU suite, memcheck + racecheck (gpu_check.sh), then decode.py twice (benchmark of record).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
rm -rf build turboattn/_C*.so
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
echo "check: $(( $(date +%s) - t0 )) s"
grep -E "ERROR SUMMARY|hazard|RACECHECK SUMMARY" $OUT/sanitizer.txt | head
for r in 1 2; do
  mkdir -p $OUT/bench$r
  timeout 150 python3 benchmarks/decode.py --out $OUT/bench$r > $OUT/bench$r/decode_bench.log 2>&1; echo "decode $r rc=$?"
  grep -E "^\| [0-9]" $OUT/bench$r/decode.md
done
echo "total: $(( $(date +%s) - t0 )) s"
