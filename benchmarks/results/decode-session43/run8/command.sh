#!/bin/bash
# Session 43 run 8 (H200): the final tree (carry43d.tgz). Does decode.py's back-to-back timing of one cache get part of
# a small cache from L2 (run 7: a residual call after a call on another cache came out 3-8 us slower)? One cache
# against 4 of the same shape taken in turn (l2reuse.py), for turboattn (4 bits) and SDPA flash.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
S="256:1,16,8,32768;256:1,16,16,32768;128:1,32,32,32768;128:16,32,8,8192;128:8,32,8,32768;128:1,32,8,131072"
S="$S;96:1,32,32,32768;96:16,32,8,8192;64:1,32,32,32768;64:16,32,8,8192"
timeout 300 python3 benchmarks/results/decode-session43/run8/l2reuse.py "$S" 4 2>&1 | grep -v -i warn | tee $OUT/l2reuse.txt
