#!/bin/bash
# session 14 run 9 (H100): the D = 64 rows 0, 1, 3 in both orders, both softmaxes (tree 7ae2553).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 240 python3 benchmarks/results/prefill-v12/run7-h100-d64-rows-both-orders/rows64.py 2>&1 | grep -v warn | tee $OUT/rows64.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
