#!/bin/bash
# Session 39 run 10 (H200): where the residual split runs, forced per call (TURBOATTN_DECODE_RESIDUAL: the plan's
# choice, cta, warp) on three copies of the tree a29278e (carry39a.tgz) in one process (abn.py's ABN_ENV, new).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry39a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABN_SHAPES="1,32,32,32805;8,32,8,32805;16,32,8,8229;4,32,16,32805;2,32,4,32805;1,32,8,131109;1,32,32,8229" \
    ABN_ENV="TURBOATTN_DECODE_RESIDUAL=,cta,warp" ABN_FORMS=4s,2s,4e \
    timeout 300 python3 benchmarks/results/decode-session31/abn.py 6 $PWD $PWD $PWD 2>&1 | grep -v -i warn | tee $OUT/ab.txt
