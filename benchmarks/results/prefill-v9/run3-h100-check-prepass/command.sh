#!/bin/bash
# session 6 run 3: whole GPU suite + sanitizers on the working tree (q check, narrow pre-pass form),
# then timelines of prefill calls (pre-pass kernel time against run 1's 691 us at N = 4096, D = 128).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
rm -rf build turboattn/_C*.so
t0=$(date +%s)
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
echo "check: $(( $(date +%s) - t0 )) s"
for a in "prefill 4096 128" "prefill 1024 128" "prefill 4096 64"; do
  timeout 120 python3 benchmarks/timeline.py $a >> $OUT/timeline.txt 2>&1
done
grep -v Warn $OUT/timeline.txt | grep -v _warn_once | cut -c1-150
