#!/bin/bash
# Session 32 run 8: the tree (5cec263) against the combine as a programmatic dependent launch (_diag/pdlc: the tree +
# combine_pdl.diff, attn_decode.o for sm_90a; session 19's run 3 again, now in one process), ab_variants.sh: abn.py,
# 6 rounds.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32p.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="pdlc" FORMS=4s,2s,4e ROUNDS=6 timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
