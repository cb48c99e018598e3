#!/bin/bash
# Session 43 run 9 (H200): the final tree (carry43d.tgz). How long does the residual item itself take at D = 256? One
# block of 64 tokens with and without 37 residual rows (the warp kernel is then about as long as its longest item),
# at D = 256 and D = 128, one row and two rows an item (session 41's kernels.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
for d in 256 128; do
    RES_D=$d timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "1,16,16,64;1,16,8,64;1,16,16,1024;1,16,8,1024" \
        2>&1 | grep -v -i warn
    RES_D=$d TURBOATTN_DECODE_RESIDUAL=warp timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py \
        "1,16,16,64;1,16,8,64" 2>&1 | grep -v -i warn | grep "37 residual" | sed 's/^/forced warp: /'
done > $OUT/tl_small.txt
cat $OUT/tl_small.txt | cut -c1-400
