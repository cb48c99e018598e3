#!/bin/bash
# Session 41 run 9 (H200): run 8 showed the plan giving D = 256's residual rows to the CTA kernel, whose one item took
# 50 us after the warp kernel's CTAs left room. res256.py (now with the residual rows forced into the warp kernel) on
# run 7's tree (carry41e.tgz).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
R=benchmarks/results/decode-session41/run4/res256.py
timeout 150 python3 $R "1,16,8,16384;1,16,8,32768;1,16,16,32768;8,16,8,32768;1,16,8,131072;1,8,4,32768" 2>&1 |
    grep -v -i warn | tee $OUT/d256.txt
