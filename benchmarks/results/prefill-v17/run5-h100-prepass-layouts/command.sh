#!/bin/bash
# session 20 run 5 (H100): the pre-pass kernel by output layout (prepass_layouts.py, profiler). No code change; the
# tree's build (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
python3 benchmarks/results/prefill-v17/run5-h100-prepass-layouts/prepass_layouts.py 2>&1 | grep -v -i warn | tee $OUT/prepass_layouts.txt
