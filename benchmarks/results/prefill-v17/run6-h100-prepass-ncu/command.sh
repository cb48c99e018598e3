#!/bin/bash
# session 20 run 6 (H100): ncu of the pre-pass kernel (public quantizer, one tensor) and of run 4's block_form on the
# same bytes (two_kernels.py). The tree's build (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
ncu --kernel-name regex:"quantize_blocks_kernel|block_form" --section SpeedOfLight --section Occupancy \
    --section WarpStateStats --section LaunchStats --section SchedulerStats --section InstructionStats \
    python3 benchmarks/results/prefill-v17/run6-h100-prepass-ncu/two_kernels.py > $OUT/ncu.txt 2>&1
echo "ncu rc=$?"
grep -E "quantize_blocks_kernel|block_form|Duration|DRAM Throughput|Memory Throughput|Compute \(SM\)|Executed Ipc A|Issue Slots Busy|Achieved Occupancy|Registers Per|Theoretical Occ|Executed Instructions  |Stall|Warp Cycles Per Issued|Eligible" $OUT/ncu.txt | head -60
