#!/bin/bash
# Session 35 run 13: sp (sp.diff: the one-row form's clamp counts subtracted after the spread, where each lane
# already holds its own two channels' or tokens' counts, instead of 16 shuffles a block) against the tree (898f844,
# with vx2) in one process; then the KV, decode-step and graph test files on it.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35e.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="sp" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_sp/ && cd /tmp/v_sp && TURBOATTN_CUDA=1 timeout 400 python3 -m pytest -q -p no:cacheprovider \
    tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_sp.log 2>&1
echo "tests on sp: rc=$?"; tail -3 $OUT/tests_sp.log
