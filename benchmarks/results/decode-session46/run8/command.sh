#!/bin/bash
# Session 46 run 8 (H200), the committed tree's kernels (carry46d.tgz): where 37 residual rows cost least at small
# calls, B = 1 to 2 over 8k to 128k tokens (session 42's resplan.py: no residual rows, the plan, forced into the warp
# kernel, forced into the CTA kernel; calls in turns).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
S="1,32,8,8192;1,32,8,16384;1,32,8,24576;1,32,8,32768;1,32,8,49152;1,32,8,65536;1,32,8,131072"
S="$S;1,64,8,16384;1,64,8,32768;1,64,8,65536;1,32,32,8192;1,32,32,16384;1,32,32,32768"
S="$S;1,8,1,32768;1,16,2,32768;1,28,4,32768;2,32,8,32768;2,32,8,16384;1,40,8,32768"
timeout 400 python3 benchmarks/results/decode-session42/run4/resplan.py "$S" "" 2>&1 | grep -v -i warn | tee $OUT/resplan.txt
