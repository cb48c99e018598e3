#!/bin/bash
# session 21 decode-v18 run 4 (H100): the record of the final tree (the cache's C view, capacity=, host-to-device copies
# without a device wait): the whole GPU suite and the sanitizer pass (gpu_check.sh), decode.py, and timeline.py's
# one-row decode and 32k compression with the host's CUDA runtime calls on the same clock. Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
OUT=$OUT STAGES="test sanitize" NO_BUILD=1 timeout 400 bash benchmarks/gpu_check.sh 2>&1 | tail -6
echo "checks done ($(( $(date +%s) - t0 )) s)"
timeout 300 python3 benchmarks/decode.py --out $OUT 2>&1 | grep -v "^|" | tail -12
echo "decode done ($(( $(date +%s) - t0 )) s)"
grep -A12 "^| B" $OUT/decode.md | head -30; head -4 $OUT/decode.md | tail -2
{ python3 benchmarks/timeline.py decode 1 32 32 32768; python3 benchmarks/timeline.py compress 1 8 32768; } 2>&1 | grep -v -i warn > $OUT/timeline.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
