#!/bin/bash
# Session 44 run 4 (H200): the same tree as run 3 (carry44c.tgz). decode.py with several query tokens (the shapes of
# results/decode-h200-multiq.md: 8 and 16 rows a KV head), then an 80-layer generation loop shaped as a 70B-class
# model (64 query heads over 8, D = 128, 32k tokens, 4 bits) against SDPA flash on an FP16 cache.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 120 python3 benchmarks/decode.py --nq 2 --configs "1,32,8,32768;8,32,8,32768;1,64,8,32768" --out $OUT/nq2 \
    2>&1 | grep -v -i warn | tail -5
timeout 100 python3 benchmarks/decode.py --nq 4 --configs "1,32,8,32768;8,32,8,32768" --out $OUT/nq4 2>&1 \
    | grep -v -i warn | tail -4
timeout 150 python3 benchmarks/decode_loop.py --layers 80 --hq 64 --hkv 8 --n 32768 --out $OUT/loop70b 2>&1 \
    | grep -v -i warn | tail -8
