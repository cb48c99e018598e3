#!/bin/bash
# session 23 run 8 (H100, another machine than run 4): prefill.py twice more on the tree of the record (1ded029,
# the kernels of a4b217e), to see how far the record's ratios move between runs and machines.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
for i in 1 2; do
  mkdir -p $OUT/prefill-$i
  python3 benchmarks/prefill.py --out $OUT/prefill-$i 2>&1 | grep -v "^|" | grep "D=128" 
done
