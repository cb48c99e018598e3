#!/bin/bash
# Session 39 run 5 (H200): the tree a29278e (fs kept; objects in carry39a.tgz): the whole GPU suite; then thin
# (thin.diff): the residual rows' image made by one 32-register warp per (h, b, K or V), so that its CTAs fit beside
# the warp kernel's instead of delaying them (objects in var39b.tgz), timed against the tree in one process, and
# the variant's KV, decode-step and graph tests.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry39a.tgz && tar xzf build/var39b.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test" timeout 150 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -2 $OUT/check.txt
export ABN_SHAPES="1,32,32,32805;1,32,32,32768;8,32,8,32805;16,32,8,8229;16,32,8,8250;2,32,4,32805;1,32,8,131109"
VARS="r39thin" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_r39thin/ && cd /tmp/v_r39thin &&
    TURBOATTN_CUDA=1 timeout 150 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt
