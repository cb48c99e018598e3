#!/bin/bash
# session 20 decode-v17 run 3 (H100): the record of the final tree (the faster pre-pass, compression and take_tokens):
# the whole GPU suite, the sanitizer cases (gpu_check.sh) and decode.py.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
OUT=$OUT STAGES="test sanitize" NO_BUILD=1 timeout 400 bash benchmarks/gpu_check.sh 2>&1 | tail -6
echo "checks done ($(( $(date +%s) - t0 )) s)"
timeout 300 python3 benchmarks/decode.py --out $OUT 2>&1 | grep -v "^|" | tail -12
echo "decode done ($(( $(date +%s) - t0 )) s)"
grep -A12 "^| B" $OUT/decode.md | head -30; head -4 $OUT/decode.md | tail -2
