#!/bin/bash
# Session 46 run 10 (H200), the committed tree's kernels (carry46d.tgz): the residual rows' placement in a loop of
# fused steps, the plan's against the warp kernel forced (stepres.py, STEP_SETTINGS), token by token, at the small
# shapes where run 8 found the forced warp kernel cheaper and at two where it found the CTA kernel cheaper.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
S="1,32,8,32768,128;1,32,8,16384,128;1,32,32,16384,128;1,32,32,8192,128;2,32,8,16384,128;1,32,8,131072,128,4,16;1,64,8,65536,128,4,16"
STEP_SETTINGS="warp:warp,plan:" timeout 400 python3 benchmarks/results/decode-session46/run6/stepres.py "$S" 2>&1 | grep -v -i warn | tee $OUT/stepres.txt
