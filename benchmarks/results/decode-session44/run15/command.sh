#!/bin/bash
# Session 44 run 15 (H200): the final tree (carry44g: comments reflowed, the tile rows named before use). The KV test
# file and the decode tests of the attention file.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44g.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 240 python3 -m pytest -q tests/test_cuda_kv.py > $OUT/kv_tests.txt 2>&1
tail -2 $OUT/kv_tests.txt
