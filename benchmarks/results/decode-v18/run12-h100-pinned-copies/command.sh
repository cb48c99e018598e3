#!/bin/bash
# session 21 decode-v18 run 12 (H100): the whole GPU suite on the final tree (host-to-device copies from pinned or managed
# memory blocking again, and test_device_from_numpy_owns_its_copy_when_it_returns). Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20; true
