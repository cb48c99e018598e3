#!/bin/bash
# Session 42 run 7 (H200): the kernels of one D = 256 call with and without 37 residual rows (torch.profiler), on the
# final tree (carry42d.tgz).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry42d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1
K=benchmarks/results/decode-session41/run8/kernels.py
RES_D=256 timeout 100 python3 $K "1,16,8,16384;1,8,4,32768;1,16,16,32768" 2>&1 | grep -v -i warn | tee $OUT/tl256.txt
