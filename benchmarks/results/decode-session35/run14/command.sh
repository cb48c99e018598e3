#!/bin/bash
# Session 35 run 14: the final tree (vx2 and sp kept): the whole GPU
# suite and the sanitizers, the record (decode.py), and ncu's instruction count of the one-row form at (1,32,32,32k).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35f.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -12 $OUT/check.txt
timeout 200 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
OUT=$OUT SHAPE="1 32 32 32768" BITS="4 2" MODE=stalls timeout 150 bash benchmarks/gpu_stalls_decode.sh 2>&1 | grep -E "==|inst_executed|duration|issue_active"
