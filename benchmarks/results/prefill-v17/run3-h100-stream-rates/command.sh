#!/bin/bash
# session 20 run 3 (H100): plain streaming kernels with the pre-pass's byte mix (stream_rates.py), and the pre-pass
# kernel's own time inside a 4k causal call (profiler). No code change; the build is the tree's (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
python3 benchmarks/results/prefill-v17/run3-h100-stream-rates/stream_rates.py 2>&1 | grep -v -i warn | tee $OUT/stream_rates.txt
