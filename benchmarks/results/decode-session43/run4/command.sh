#!/bin/bash
# Session 43 run 4 (H200): the final tree (carry43c.tgz). Building a cache from a 32k x 8-head prefill at D = 64, 80,
# 96, 128, 256 (compress_prof.py: the call and its kernels), and D = 112, which still takes the CTA kernel, at two of
# the issue's shapes.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 120 python3 benchmarks/results/decode-session43/run4/compress_prof.py 2>&1 | grep -v -i warn | tee $OUT/compress.txt
timeout 100 python3 benchmarks/decode.py --d 112 --configs "1,32,32,32768;8,32,8,32768" --out $OUT/d112 2>&1 \
    | grep -v -i warn | tail -3
