#!/bin/bash
# Session 40 run 9 (H200): several query tokens a call (decode.py's new --nq; no causal mask among them, as when a
# model verifies draft tokens) on the final tree (carry40c.tgz), D = 128: 2 tokens (nq2/: 8 rows an item at GQA 4:1,
# 16 at 8:1) and 4 tokens (nq4/: 16 rows at 4:1, the general HI row).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 120 python3 benchmarks/decode.py --nq 2 --configs "1,32,8,32768;8,32,8,32768;1,64,8,32768" --out $OUT/nq2 2>&1 |
    grep -v -i warn | tail -6
timeout 120 python3 benchmarks/decode.py --nq 4 --configs "1,32,8,32768;8,32,8,32768" --out $OUT/nq4 2>&1 |
    grep -v -i warn | tail -5
