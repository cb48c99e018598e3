#!/bin/bash
# session 14 run 8 (H100): every prefill kernel row with the exact softmax and with SAS, in turns (tree 39fc372).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 240 python3 benchmarks/results/prefill-v12/run6-h100-rows-exact-and-sas/rows.py 2>&1 | grep -v warn | tee $OUT/variants.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
