#!/bin/bash
# Session 45 run 5 (H200): decode_loop.py again on the final tree (carry45b.tgz holds its objects), the one-call step
# and SDPA flash, in processes that alternate the new launch order and the order before (TURBOATTN_DECODE_PDL=step0):
# new, before, new, at GQA 4:1 (32 layers) and at a 70B-class shape (80 layers, 64 over 8 heads); B = 1, 32k, 4 bits.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry45b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nproc; uptime
M=turboattn_step,sdpa_flash
{
for i in 1 2 3; do
    if [ $i = 2 ]; then export TURBOATTN_DECODE_PDL=step0; else unset TURBOATTN_DECODE_PDL; fi
    echo "== round $i TURBOATTN_DECODE_PDL=${TURBOATTN_DECODE_PDL:-unset}"
    timeout 100 python3 benchmarks/decode_loop.py --out $OUT/gqa$i --methods $M
    timeout 150 python3 benchmarks/decode_loop.py --out $OUT/l70b$i --layers 80 --hq 64 --hkv 8 --methods $M
done
} 2>&1 | grep -v -i warn > $OUT/loop.txt
cat $OUT/loop.txt
