#!/bin/bash
# Session 41 run 4 (H200): the residual rows at D = 256 (res256.py), on run 3's tree (carry41b.tgz), at the shapes of
# run 2 where they cost 17-84 %, and at D = 128 for comparison.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
R=benchmarks/results/decode-session41/run4/res256.py
timeout 150 python3 $R "1,16,8,32768;1,16,16,32768;8,16,8,32768;1,16,8,131072" "2,3,4,6,8" 2>&1 | grep -v -i warn | tee $OUT/d256.txt
RES_D=128 timeout 100 python3 $R "1,32,8,32768;1,32,32,32768" 2>&1 | grep -v -i warn | tee $OUT/d128.txt
