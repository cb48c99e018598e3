#!/bin/bash
# Session 34 run 1: the tree (b687eac) against st (st.diff, attn_decode_warp.o): each cache split's first key block is
# copied into the stage before q is quantized, in one process (ab_variants.sh: abn.py, 6 rounds). Then the KV,
# decode-step and graph test files on st.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry34a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="st" FORMS=4s,2s,4e ROUNDS=6 timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_st/ && cd /tmp/v_st &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_st.txt
