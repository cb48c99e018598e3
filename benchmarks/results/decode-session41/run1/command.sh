#!/bin/bash
# Session 41 run 1 (H200): how fast is decode at head dims other than 64 and 128, which run on the CTA kernel? The tree
# 3614e93 (carry40d.tgz). decode.py at D = 256 (Gemma-like shapes: MHA 16 heads, GQA 2:1) and at D = 96 (Phi-3-mini-like,
# MHA 32 heads), against SDPA FP16 in the same process.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40d.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 200 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256 2>&1 | grep -v -i warn | tail -8
timeout 150 python3 benchmarks/decode.py --d 96 --configs "1,32,32,32768;8,32,32,8192" --out $OUT/d96 2>&1 |
    grep -v -i warn | tail -5
