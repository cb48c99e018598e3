#!/bin/bash
# session 10 run 8: the final tree (tensors that require grad refused on the exchange-table path): GPU suite.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
python3 -m pytest -q -p no:cacheprovider tests/test_dlpack_exchange.py -v 2>&1 | grep -E "PASS|FAIL|SKIP" | head -20
rm -f $OUT/build.log
echo "total: $(( $(date +%s) - t0 )) s"
