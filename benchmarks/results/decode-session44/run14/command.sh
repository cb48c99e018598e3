#!/bin/bash
# Session 44 run 14 (H200): the final tree (carry44f, with the plan's floor). decode.py again at the shapes of the
# records made before the floor whose plans it changes: D = 64 at GQA 7:1 and 8:1 ((1,14,2,32k) had one block a split),
# and GQA 5:1 and 7:1 ((1,28,4,32k) with residual rows had 3).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44f.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 120 python3 benchmarks/decode.py --d 64 --configs "1,32,4,32768;1,14,2,32768;8,32,4,32768;1,32,4,131072" \
    --out $OUT/d64gqa 2>&1 | grep -v -i warn | tail -6
timeout 110 python3 benchmarks/decode.py --configs "1,40,8,32768;1,28,4,32768;4,56,8,32768;1,56,8,131072" \
    --out $OUT/gqa57 2>&1 | grep -v -i warn | tail -6
