#!/bin/bash
# Session 38 run 10: the residual items building their own image again, now with all of a lane's rows of a matrix
# loaded at once (one memory round trip a matrix; half and bfloat16 rows): r38self3 (self3.diff over 9e7225b, whose
# objects carry38c.tgz holds) against the tree in one process; then, on r38self3, the KV, decode-step and graph
# test files (with the session's new image tests, tests.diff) and the sanitizers.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz && tar xzf build/var38g.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8229;1,32,8,131109;2,32,4,32805;16,32,8,8250;1,32,32,32768;16,32,8,8192"
VARS="r38self3" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
cp -r tests benchmarks /tmp/v_r38self3/ && cd /tmp/v_r38self3 &&
    TURBOATTN_CUDA=1 timeout 120 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt &&
    TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="sanitize" timeout 150 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -6 $OUT/check.txt
