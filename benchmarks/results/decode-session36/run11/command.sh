#!/bin/bash
# Session 36 run 11: the final tree (the refactor quad_digit_sums on top of run 10's kernels): run 10's warp object
# ("prev", _diag/prev/attn_decode_warp.o out of build/carry36b.tgz) against the tree in one process (outputs bit for
# bit, times within noise expected), then the whole GPU suite and the sanitizers.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36c.tgz && tar xzf build/var36f.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="prev" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -7 $OUT/check.txt
