#!/bin/bash
# session 22 decode-v19 run 2 (H100): the whole GPU suite and the sanitizer pass (gpu_check.sh, whose cases now
# include decode steps that append, good and non-finite) on the tree of run 1. Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
OUT=$OUT STAGES="test sanitize" NO_BUILD=1 timeout 540 bash benchmarks/gpu_check.sh 2>&1 | tail -8
echo "all done ($(( $(date +%s) - t0 )) s)"
