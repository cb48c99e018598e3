#!/bin/bash
# session 12 run 7: the GPU suite on the tree with the shared SPEC 1 helpers (kv_compress's SASS moved).
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
nvidia-smi --query-gpu=name --format=csv,noheader
python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log) $(( $(date +%s) - t0 )) s"; grep -E "^(FAILED|ERROR)" $OUT/pytest.log | head
