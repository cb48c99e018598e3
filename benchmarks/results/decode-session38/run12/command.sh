#!/bin/bash
# Session 38 run 12 (prepared, not run: the device time had run out): run 10's self3 with its __threadfence()
# narrowed to __threadfence_block() (r38self4: self4_over_self3.diff), against the tree (9e7225b's objects in
# carry38c.tgz) in one process, then r38self4's KV, decode-step and graph test files with run 10's tests.diff
# applied (the image tests compare the items' image with the image kernel's bit for bit).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz && tar xzf build/var38i.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8250;1,32,32,32768;16,32,8,8192"
VARS="r38self4" FORMS=4s,2s ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests benchmarks /tmp/v_r38self4/ && cd /tmp/v_r38self4 && patch -p1 -s < $OLDPWD/benchmarks/results/decode-session38/run10/tests.diff &&
    TURBOATTN_CUDA=1 timeout 120 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py 2>&1 | tail -3 | tee $OUT/tests.txt
