#!/bin/bash
# Session 33 run 8: the tree (9bd660a) against km (km.diff, attn_decode_warp.o): in the one-row and few-row key loops
# the steps and zeros come by loads one block ahead instead of in the stage's copy group, in one process
# (ab_variants.sh: abn.py, 6 rounds). Then the KV, decode-step and graph test files on km.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33f.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="km" FORMS=4s,2s,4e ROUNDS=6 timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_km/ && cd /tmp/v_km &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_km.txt
