#!/bin/bash
# Session 41 run 14 (H200): the final tree's residual rows at D = 256 (in the warp kernel) against blocks per split
# forced to 3, 4, 6 and 8 (res256.py), to see whether the plan's charge for residual items that miss the last wave
# (two block steps) suits D = 256. carry41h.tgz (87cd27d).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41h.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
R=benchmarks/results/decode-session41/run4/res256.py
timeout 200 python3 $R "1,16,8,16384;1,16,8,32768;1,16,16,32768;8,16,8,32768;1,8,4,32768" "3,4,6,8,12" 2>&1 |
    grep -v -i warn | tee $OUT/d256.txt
