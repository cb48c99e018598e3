#!/bin/bash
# session 15 run 2 (H100): the exact codes against the block maximum (no division; TEMP quot = the old form),
# one-warpgroup rows with setmaxnreg.dec; parity suite, rows in turns.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv; nvcc --version | tail -1
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
rc=$?; echo "tests rc=$rc ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
[ $rc -eq 0 ] || exit 1
timeout 300 python3 benchmarks/results/prefill-v13/rows.py --modes exact,quot,sas 128:0,7,8 64:0,6 2>&1 | grep -v warn | tee $OUT/rows.txt
echo "rows done ($(( $(date +%s) - t0 )) s)"
timeout 120 python3 benchmarks/results/prefill-v13/rows.py --modes exact,quot --sizes 4096:0,16384:0 128:8,7,0 2>&1 | grep -v warn | tee $OUT/rows_rev.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
