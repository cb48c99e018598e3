#!/bin/bash
# session 26 run 5 (nvidia-h100-x2, given 2 x H200): the whole GPU suite on the final tree (the CuPy capture test accepts CuPy's
# end_capture error raised over ours).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=index,name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $R/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $R/pytest.log)"; grep -E "^(FAILED|ERROR)" $R/pytest.log | head -20
grep -E "test_cuda_(graphs|multi_device)" $R/pytest.log | head -3
tar czf $OUT/run.tgz -C $OUT r
