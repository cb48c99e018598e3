#!/bin/bash
# Session 39 run 11 (H200): how much of a decode call is host time on this machine (decode_overhead.py: CUDA-event
# time a call, GPU time a call back to back, host wall time a call, and SDPA's), and the host pieces of one call
# (decode_host_parts.py). Tree 0025964 (kernels of a29278e, carry39a.tgz).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONPATH=$PWD
tar xzf build/carry39a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 200 python3 benchmarks/decode_overhead.py --out $OUT 2>&1 | grep -v -i warn | tee $OUT/overhead.txt
timeout 120 python3 benchmarks/decode_host_parts.py 2>&1 | grep -v -i warn | tee $OUT/host_parts.txt
