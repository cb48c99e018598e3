#!/bin/bash
# Session 43 run 6 (H200): the final tree (carry43d.tgz; after run 5 only tests and a docstring changed): the decode
# step and KV test files, with the new D = 96 decode-step case (take_tokens' 12-piece rows inside a step).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 300 python3 -m pytest -q tests/test_decode_step.py tests/test_cuda_kv.py > $OUT/tests.txt 2>&1
tail -3 $OUT/tests.txt
