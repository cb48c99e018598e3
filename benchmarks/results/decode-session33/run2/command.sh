#!/bin/bash
# Session 33 run 2: the tree (run 1's sc: code_quad leaves each code in place, quad_unscale) against
#   prev33 - its parent's attn_decode_warp.o (40f3201);
#   rw     - at 4 bits the high-nibble registers take the whole byte, and quad_rows takes row g's sum off row
#            g + 8's (rw.diff, attn_decode_warp.o);
# in one process (ab_variants.sh: abn.py, 6 rounds). Then the KV, decode-step and graph test files on rw.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="prev33 rw" FORMS=4s,2s,4e ROUNDS=6 timeout 300 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_rw/ && cd /tmp/v_rw &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_rw.txt
