#!/bin/bash
# Session 41 run 8 (H200): where do 37 residual rows lose 45-55 us at D = 256 (runs 4-7)? torch.profiler's kernel
# times of one call (kernels.py) on run 7's tree (carry41e.tgz), at D = 256 and at D = 128.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
K=benchmarks/results/decode-session41/run8/kernels.py
timeout 120 python3 $K "1,16,8,32768;1,16,16,32768;1,16,8,131072" 2>&1 | grep -v -i warn | tee $OUT/d256.txt
RES_D=128 timeout 60 python3 $K "1,32,32,32768" 2>&1 | grep -v -i warn | tee $OUT/d128.txt
