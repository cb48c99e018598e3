#!/bin/bash
# session 7 run 6: the final tree (run 3's, plus the launcher sending thresholds 13-14 to the wgmma rows' paired
# SAS kernels again, as before this session): build, prefill and decode parity tests.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,clocks.sm --format=csv,noheader
rm -rf build turboattn/_C*.so
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head
