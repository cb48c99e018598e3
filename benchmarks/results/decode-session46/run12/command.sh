#!/bin/bash
# Session 46 run 12 (H200), the final tree (carry46e.tgz): decode_loop.py (one run a method) at GQA 4:1 in two
# processes, a 70B-class shape and an MPT-30B-like shape, B = 1, 4 bits.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
M=turboattn,turboattn_step,sdpa_flash
{
echo "== gqa 1"; timeout 100 python3 benchmarks/decode_loop.py --out $OUT/gqa1 --methods $M
echo "== gqa 2"; timeout 100 python3 benchmarks/decode_loop.py --out $OUT/gqa2 --methods $M
echo "== l70b"; timeout 150 python3 benchmarks/decode_loop.py --out $OUT/l70b --layers 80 --hq 64 --hkv 8 --methods $M
echo "== mpt"; timeout 100 python3 benchmarks/decode_loop.py --out $OUT/mpt --layers 48 --hq 64 --hkv 64 --d 112 --n 8192 --methods $M
} 2>&1 | grep -v -i warn > $OUT/loop.txt
cat $OUT/loop.txt
