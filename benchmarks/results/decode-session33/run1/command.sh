#!/bin/bash
# Session 33 run 1: the tree (40f3201) against three builds in one process (ab_variants.sh: abn.py, 6 rounds):
#   sc   - code_quad leaves each code in place in its byte, quad_unscale shifts a row's sum once (sc.diff,
#          attn_decode_warp.o);
#   img  - the residual image kernel as one 32-register warp per CTA, at most one CTA an SM (img.diff, attn_decode.o);
#   both - the two objects together.
# Then the KV, decode-step and graph test files on `both`.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="sc img both" FORMS=4s,2s,4e ROUNDS=6 timeout 330 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_both/ && cd /tmp/v_both &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_both.txt
