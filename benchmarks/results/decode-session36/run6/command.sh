#!/bin/bash
# Session 36 run 6: the final tree (rcxs2 of run 5 kept: codes by suffix masks with quad_sums, one redux.sync for
# the one-row step's max and sum and the zero terms, the value phase's softmax step and one-row digits before the
# wait for the block's copies): the whole GPU suite and the sanitizers, the record (decode.py), and ncu's
# instruction counts of the one-row and few-row forms.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -12 $OUT/check.txt
timeout 200 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
for shape in "1 32 32 32768" "8 32 8 32768"; do
    mkdir -p "$OUT/ncu_${shape// /_}"
    OUT="$OUT/ncu_${shape// /_}" SHAPE="$shape" BITS="4 2" MODE=stalls timeout 150 bash benchmarks/gpu_stalls_decode.sh 2>&1 |
        grep -E "==|inst_executed|duration|issue_active"
done
