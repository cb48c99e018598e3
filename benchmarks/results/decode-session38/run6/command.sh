#!/bin/bash
# Session 38 run 6: the plan counting an extra wave of residual items as two block steps (r38plan2: plan2.diff applied to
# csrc/attn_decode_warp.cu) against the tree (0a9983d), in one process, on shapes with 37 residual rows and two
# controls without; then r38plan2's KV, decode-step and graph test files.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var38e.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library, newer than the carried objects
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="16,32,8,8229;32,32,8,4133;16,32,8,16421;16,32,8,8250;1,32,32,32805;8,32,8,32805;1,32,8,131109;2,32,4,32805;16,32,8,8192;8,32,8,32768"
VARS="r38plan2" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_r38plan2/ && cd /tmp/v_r38plan2 &&
    TURBOATTN_CUDA=1 timeout 300 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt
