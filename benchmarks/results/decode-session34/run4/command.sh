#!/bin/bash
# Session 34 run 4: the tree (b687eac) against sq (sq.diff, attn_decode_warp.o): run 1's early copies of each cache
# split's first key block, now issued after q's loads have gone out and before their values are used (a hook in
# dec_quantize_q_rows), in one process (ab_variants.sh: abn.py, 6 rounds). Then the KV, decode-step and graph test
# files on sq.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry34c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="sq" FORMS=4s,2s,4e ROUNDS=6 timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_sq/ && cd /tmp/v_sq &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_sq.txt
