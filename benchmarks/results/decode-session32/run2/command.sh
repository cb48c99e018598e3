#!/bin/bash
# Session 32 run 2: the per-quad bulk copies (the tree then: 113649f + ../run1/bulk_quads.diff) against its parent 113649f (_diag/h32) and against one bulk
# copy per block into an unpadded stage (_diag/bulk1 = + bulk_one_copy_on_top.diff: 4-way bank conflicts on the reads), all sm_90a
# attn_decode_warp.o, in one process (ab_variants.sh: abn.py, 4 rounds).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="h32 bulk1" FORMS=4s,2s,4e ROUNDS=4 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
