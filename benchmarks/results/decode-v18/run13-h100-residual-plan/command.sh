#!/bin/bash
# session 21 decode-v18 run 13 (H100): the warp plan counts the residual split's items (a short wave of their own
# when the last wave's free warps cannot take them) when it picks blocks per split. Checks: the KV file. Then
# decode steps with 37 residual rows (resid_bps.py): the plan's choice against forced blocks per split around it,
# in turns. Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
python3 benchmarks/results/decode-v18/run13-h100-residual-plan/resid_bps.py 2>&1 | grep -v -i warn | tee $OUT/bps.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
# The first call stopped at resid_bps.py's import (its path to benchmarks/ was one level short); after the fix it
# ran on the same warm machine as: PYTHONPATH=$PWD python3 benchmarks/results/decode-v18/run13-h100-residual-plan/resid_bps.py
# (bps.txt). The KV file had passed (pytest.log, 317 passed). Not kept: the change was reverted.
