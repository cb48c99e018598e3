#!/bin/bash
# Session 38 run 2: the residual split chained to the last split's warp. The tree (0a9983d) against
#   chain: every (tile, b, h)'s residual split runs in the warp of its last compressed split, after that split
#          (no tickets of its own, so no second wave); the image kernel as before (chain.diff);
#   chainni: chain with run 1's noimg (the image kernel skipped when the same rows were imaged by the call before);
#   r38noimg: run 1's noimg alone.
# Then chain's KV, decode-step and graph test files.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var38a.tgz && tar xzf build/var38b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32768;1,32,32,32805;8,32,8,32768;8,32,8,32805;16,32,8,8192;16,32,8,8229;1,32,8,131072;1,32,8,131109"
VARS="r38chain r38chainni r38noimg" FORMS=4s,2s ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_r38chain/ && cd /tmp/v_r38chain &&
    TURBOATTN_CUDA=1 timeout 300 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -5 | tee $OUT/tests.txt
