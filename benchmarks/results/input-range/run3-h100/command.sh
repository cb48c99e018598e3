#!/bin/bash
# session 26 run 3 (nvidia-h100-x1): the whole GPU suite after the new test's strided append uses a torch BNHD view
# (run 2: a DeviceArray has no swapaxes for layout="BNHD").
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
OUT=$R STAGES="test" bash benchmarks/gpu_check.sh 2>&1 | tail -25
tar czf $OUT/run.tgz -C $OUT r
