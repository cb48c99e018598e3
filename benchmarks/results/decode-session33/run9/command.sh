#!/bin/bash
# Session 33 run 9: the tree (704b07a) against kx (kx.diff, attn_decode_warp.o): in the one-row and few-row key loops
# the next block's copies go out as soon as the stage is read (after the clamp check), before the digits of q s are
# made, in one process (ab_variants.sh: abn.py, 6 rounds). Then the KV, decode-step and graph test files on kx.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33g.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="kx" FORMS=4s,2s,4e ROUNDS=6 timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_kx/ && cd /tmp/v_kx &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_kx.txt
