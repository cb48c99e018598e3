#!/bin/bash
# Session 32 run 4: upper bounds for the call's two kernels beside the warp kernel, tree 113649f against diagnostic (noimg.diff, nocomb.diff)
# attn_decode.o (sm_90a) in one process (ab_variants.sh: abn.py, 4 rounds):
#  noimg:  the residual image kernel runs only when the image's (B, H) changed since the last call (outputs bit-equal:
#          the same cache is called again), and the warp kernel then launches without the dependency;
#  nocomb: the combine replaced by a one-warp kernel that only zeroes the work counters (out is not written).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32n.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="noimg nocomb" FORMS=4s,2s ROUNDS=4 timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
