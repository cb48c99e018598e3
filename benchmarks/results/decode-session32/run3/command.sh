#!/bin/bash
# Session 32 run 3: where a decode call with residual rows spends its GPU time (timeline.py, tree 113649f): the two
# shapes of decode.py whose residual column is weakest, with and without 37 residual rows.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32h.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
for s in "1 32 32 32768" "1 32 32 32805" "16 32 8 8192" "16 32 8 8229"; do
    python3 benchmarks/timeline.py decode $s 2>&1 | grep -v -i warn | grep -v ' host '
done | tee $OUT/timeline.txt
