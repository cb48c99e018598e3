#!/bin/bash
# session 9 run 7: the committed tree (run 6's kernels with the key helpers shared between the one-row and
# few-row forms and the value clamp loops merged): whole GPU suite + memcheck/racecheck, then decode.py twice.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
grep -E "ERROR SUMMARY|hazard|RACECHECK SUMMARY" $OUT/sanitizer.txt | head
echo "checks: $(( $(date +%s) - t0 )) s"
for r in 1 2; do
  mkdir -p $OUT/bench$r
  timeout 150 python3 benchmarks/decode.py --out $OUT/bench$r > $OUT/bench$r/decode_bench.log 2>&1; echo "decode $r rc=$?"
  grep -E "^\| [0-9]" $OUT/bench$r/decode.md
  rm -f $OUT/bench$r/decode_bench.log $OUT/bench$r/decode.json
done
echo "total: $(( $(date +%s) - t0 )) s"
