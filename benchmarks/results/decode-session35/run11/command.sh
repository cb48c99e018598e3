#!/bin/bash
# Session 35 run 11: vx2 (vx.diff of run 10 with its shared-memory exchange correct for 2 and 3 rows, and the key
# phase's clamp counts of the few-row form passed the same way; vx2.diff) against the tree (3c26465) in one process,
# then the KV, decode-step and graph test files on it.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="vx2" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_vx2/ && cd /tmp/v_vx2 && TURBOATTN_CUDA=1 timeout 400 python3 -m pytest -q -p no:cacheprovider \
    tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_vx2.log 2>&1
echo "tests on vx2: rc=$?"; tail -3 $OUT/tests_vx2.log
