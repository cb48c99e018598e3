#!/bin/bash
# session 20 run 13 (H100): quantize_kv_cuda's call time and kernels (compress_kernels.py). Tree d26dc48.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
python3 benchmarks/results/prefill-v17/run13-h100-compress-kernels/compress_kernels.py 2>&1 | grep -v -i warn | tee $OUT/compress.txt
