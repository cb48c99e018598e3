#!/bin/bash
# Session 35 run 10: four cuts from the per-line profile (runs 8-9), as diagnostic warp objects against the tree
# (3c26465) in one process: lb (look-back rounds and retries warp-wide, pointer steps), vx (the four-row form's clamp
# counts through shared memory instead of four shuffles a value), dv (the softmax step's two divisions by a
# reciprocal and a residual step; built, but only timed within all), all (the three). First the exhaustive check of dv's forms; last the KV, decode-step
# and graph test files on `all`. (fast_div_check.py ran as benchmarks/fast_div_check.py; it moved here when dv was
# dropped.)
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
python3 benchmarks/results/decode-session35/run10/fast_div_check.py _diag/src_dv/csrc/attn_decode_common.cuh 2>&1 | tee $OUT/fast_div_check.txt
VARS="lb vx all" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests /tmp/v_all/ && cd /tmp/v_all && TURBOATTN_CUDA=1 timeout 400 python3 -m pytest -q -x -p no:cacheprovider \
    tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_all.log 2>&1
echo "tests on all: rc=$?"; tail -3 $OUT/tests_all.log
