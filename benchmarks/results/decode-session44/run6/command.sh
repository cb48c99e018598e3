#!/bin/bash
# Session 44 run 6 (H200): the final tree (carry44d). Does the plan's blocks per split still hold now that a split's
# items of one KV head read the same blocks (resplan.py with forced blocks per split, GQA 8:1)? Then decode.py at
# D = 64 with GQA 7:1 and 8:1 (small models: 32 query heads over 4, 14 over 2).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 200 python3 benchmarks/results/decode-session42/run4/resplan.py \
    "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" "3,4,8,11,16" 2>&1 | grep -v -i warn > $OUT/bps.txt
grep "us:" $OUT/bps.txt | cut -c1-400
timeout 120 python3 benchmarks/decode.py --d 64 --configs "1,32,4,32768;1,14,2,32768;8,32,4,32768;1,32,4,131072" \
    --out $OUT/d64gqa 2>&1 | grep -v -i warn | tail -6
