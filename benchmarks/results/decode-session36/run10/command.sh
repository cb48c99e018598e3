#!/bin/bash
# Session 36 run 10: the final tree (rcxs2 and pf kept): the whole GPU suite and the sanitizers, then the record
# (decode.py) in two processes.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -7 $OUT/check.txt
for i in 1 2; do
    timeout 200 python3 benchmarks/decode.py --out $OUT/decode$i 2>&1 | grep -v -i warn | tail -6
done
