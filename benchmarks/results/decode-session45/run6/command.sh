#!/bin/bash
# Session 45 run 6 (H200): the final tree's step and KV test files (carry45b.tgz holds its objects; since run 4 only
# the strided-token test's helper moved out of its loop).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry45b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 200 python3 -m pytest -q tests/test_decode_step.py tests/test_cuda_kv.py 2>&1 | tail -n 2 > $OUT/tests.txt
cat $OUT/tests.txt
