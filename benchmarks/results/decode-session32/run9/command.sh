#!/bin/bash
# Session 32 run 9: the tree (the combine's row-per-CTA forms as a programmatic dependent launch) against its parent
# 5cec263 (_diag/hc2: the parent's attn_decode.o) in one process (ab_variants.sh: abn.py, 6 rounds); the whole GPU
# suite and the sanitizers; the record (decode.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32q.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="hc2" FORMS=4s,2s,4e ROUNDS=6 timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 240 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; cat $OUT/check.txt
timeout 150 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
