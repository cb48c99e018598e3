#!/bin/bash
# Session 47 run 8 (H200): trial rows for 8-bit caches at D = 128 (the 8-bit path alone, 2 CTAs an SM, as variant 3;
# carry47e.tgz: this tree's objects but attn_prefill.o, built on the device). bits8_d128.py: default rows against them.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 1: attn_prefill.cu
timeout 200 python3 benchmarks/results/decode-session47/run8/bits8_d128.py --variant 3 --out $OUT 2>&1 | grep -v -i warn
