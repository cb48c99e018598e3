#!/bin/bash
# Session 40 run 8 (H200): the issue's record (decode.py, D = 128, its four shapes) on the final tree (carry40c.tgz),
# to check that the one-row and four-row forms, whose kernels session 40 did not change, hold session 39's figures.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 150 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -8
