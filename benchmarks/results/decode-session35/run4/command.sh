#!/bin/bash
# Session 35 run 4: Nsight Compute on the tree (3c26465) at (1,32,32,32k), the one-row form: source counters (read
# with benchmarks/ncu_decode_regions.py) and stall ratios, 4 and 2 bits.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
OUT=$OUT SHAPE="1 32 32 32768" BITS="4 2" MODE=source bash benchmarks/gpu_stalls_decode.sh
OUT=$OUT SHAPE="1 32 32 32768" BITS="4 2" MODE=stalls bash benchmarks/gpu_stalls_decode.sh
