#!/bin/bash
# Session 32 run 5: the combine with one CTA per row and 32 channels (the tree then: 113649f + combine_chunks.diff) against its parent 113649f (_diag/hc:
# the parent's attn_decode.o) in one process (ab_variants.sh: abn.py, 4 rounds, outputs compared bit for bit); the KV
# and decode tests on the tree first.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 120 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt
VARS="hc" FORMS=4s,2s,4e ROUNDS=6 timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
