#!/bin/bash
# session 28 run 6 (H100): where the few-row form's instructions and stalls are after runs 3-4 (tree f8ac377):
# Nsight Compute source counters and stall metrics of decode_warp_kernel at (16, 32, 8, 8k), 4 bits.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$?"
OUT=$O MODE=source SHAPE="16 32 8 8192" BITS=4 bash benchmarks/gpu_stalls_decode.sh
OUT=$O MODE=stalls SHAPE="16 32 8 8192" BITS=4 bash benchmarks/gpu_stalls_decode.sh
