#!/bin/bash
# session 13 run 7 (H100): MAX_SEQ = 65535 * 64 (a clear error one row past the grid's y limit); build, parity tests.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name --format=csv | tee $OUT/gpu.txt
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)|refuses" $OUT/tests.log | head -8
