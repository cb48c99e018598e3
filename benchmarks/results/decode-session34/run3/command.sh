#!/bin/bash
# Session 34 run 3: the tree (b687eac) against w2 (w2.diff: CTAs of two warps; the few-row form capped at 144 registers
# by __maxnreg__, so that 7 CTAs = 14 warps fit an SM instead of 12; the other rows at the same registers as before)
# and w3 (w3.diff: w2 and the one-row form at 144 registers too), in one process (ab_variants.sh: abn.py, 6 rounds).
# Then the KV, decode-step and graph test files on w2 and w3.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry34b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="w2 w3" FORMS=4s,2s,4e ROUNDS=6 timeout 300 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
for v in w2 w3; do
    cp -r tests /tmp/v_$v/ && (cd /tmp/v_$v &&
        TURBOATTN_CUDA=1 timeout 150 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests_$v.txt)
done
