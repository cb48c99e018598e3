#!/bin/bash
# session 19 run 12 (H100): decode's q check and append()'s tokens wait through one helper, ta_wait_mapped_word
# (cuda_common.cuh), instead of two copies of the spin. Build (objects carried), the whole GPU suite and the
# sanitizer cases (gpu_check.sh), then append_parts.py once.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
OUT=$OUT STAGES="test sanitize" NO_BUILD=1 bash benchmarks/gpu_check.sh
python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn | tee $OUT/append.txt
