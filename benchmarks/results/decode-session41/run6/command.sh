#!/bin/bash
# Session 41 run 6 (H200): the residual rows at D = 256 again, on the tree of run 3, re-indented (carry41d.tgz; run 5's free slot is not
# kept), over more lengths and batch sizes, with the CTA kernel alone with and without them (res256.py, now with that case).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
R=benchmarks/results/decode-session41/run4/res256.py
timeout 200 python3 $R "1,16,8,16384;1,16,8,32768;1,16,8,65536;2,16,8,32768;1,32,8,32768;1,8,4,32768" "8" 2>&1 |
    grep -v -i warn | tee $OUT/d256.txt
