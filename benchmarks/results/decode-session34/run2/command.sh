#!/bin/bash
# Session 34 run 2: Nsight Compute on the tree (b687eac) at (1,32,8,128k), the few-row form: source counters (read with
# benchmarks/ncu_decode_regions.py) and stall ratios, 4 and 2 bits.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry34a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
OUT=$OUT SHAPE="1 32 8 131072" BITS="4 2" MODE=source bash benchmarks/gpu_stalls_decode.sh
OUT=$OUT SHAPE="1 32 8 131072" BITS="4 2" MODE=stalls bash benchmarks/gpu_stalls_decode.sh
