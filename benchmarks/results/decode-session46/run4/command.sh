#!/bin/bash
# Session 46 run 4 (H200), the tree of run 1 (carry46a.tgz): is decode_loop.py's ratio steadier with the methods in
# turn? Six processes at GQA 4:1 (32 layers, B = 1, 32k, 4 bits), alternating in turn and --sequential.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
uptime
M=turboattn,turboattn_step,sdpa_flash
{
for i in 1 2 3; do
    echo "== in turn $i"; timeout 100 python3 benchmarks/decode_loop.py --out $OUT/turn$i --methods $M
    echo "== sequential $i"; timeout 100 python3 benchmarks/decode_loop.py --out $OUT/seq$i --methods $M --sequential
done
} 2>&1 | grep -v -i warn > $OUT/loop.txt
cat $OUT/loop.txt
