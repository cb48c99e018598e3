#!/bin/bash
# Session 32 run 7: the final tree (the combine by its runs' length, test_decode_combine_forms): the whole GPU suite
# and the sanitizers; the record (decode.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32f.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; cat $OUT/check.txt
timeout 200 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
