#!/bin/bash
# Session 46 run 3 (H200), the tree of run 1 (carry46a.tgz): decode_loop.py with the methods taken in turn, token by
# token (new), at GQA 4:1 (32 layers), a 70B-class shape (80 layers, 64 over 8 heads) and an MPT-30B-like shape
# (48 layers, 64 heads MHA, D = 112, 8k tokens); then GQA 4:1 again with each method's tokens in one run
# (--sequential, as before).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nproc; uptime
M=turboattn,turboattn_step,sdpa_flash
{
echo "== gqa"; timeout 120 python3 benchmarks/decode_loop.py --out $OUT/gqa --methods $M
echo "== l70b"; timeout 170 python3 benchmarks/decode_loop.py --out $OUT/l70b --layers 80 --hq 64 --hkv 8 --methods $M
echo "== mpt"; timeout 120 python3 benchmarks/decode_loop.py --out $OUT/mpt --layers 48 --hq 64 --hkv 64 --d 112 --n 8192 --methods $M
echo "== gqa sequential"; timeout 120 python3 benchmarks/decode_loop.py --out $OUT/gqa_seq --methods $M --sequential
} 2>&1 | grep -v -i warn > $OUT/loop.txt
cat $OUT/loop.txt
