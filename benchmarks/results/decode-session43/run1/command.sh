#!/bin/bash
# Session 43 run 1 (H200): head dims 80 and 96 on the D = 128 one-row and few-row forms (carry43a.tgz): the KV test
# file (new padded-head-dim tests), then decode.py at the issue's four shapes with D = 96 and D = 80 (its "CTA
# kernel" column is the path these head dims had before, in the same process).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 240 python3 -m pytest -q -x tests/test_cuda_kv.py > $OUT/kv_tests.txt 2>&1
tail -4 $OUT/kv_tests.txt
timeout 150 python3 benchmarks/decode.py --d 96 --out $OUT/d96 2>&1 | grep -v -i warn | tail -6
timeout 150 python3 benchmarks/decode.py --d 80 --out $OUT/d80 2>&1 | grep -v -i warn | tail -6
