#!/bin/bash
# session 26 run 1 (nvidia-h100-x1): inputs past 2^31 elements and caches past 2^31 code bytes (tests/test_cuda_large.py).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
timeout 500 python3 -m pytest -v -p no:cacheprovider --durations=0 tests/test_cuda_large.py > $R/pytest_large.log 2>&1
echo "large rc=$?: $(tail -1 $R/pytest_large.log)"; grep -E "PASS|FAIL|SKIP|^E  |s call" $R/pytest_large.log | head -30
tar czf $OUT/run.tgz -C $OUT r
