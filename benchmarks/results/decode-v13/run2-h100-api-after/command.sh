#!/bin/bash
# session 14 run 6 (H100): the decode API's Python and C overhead cut (kv check on the class, out passed to C as it is);
# build, the GPU suite, API vs raw binding in turns, decode.py (benchmark of record, API column).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 170 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
python3 benchmarks/results/decode-v13/api_vs_raw.py 2>&1 | grep -v warn
timeout 300 python3 benchmarks/decode.py --out $OUT > $OUT/decode_stdout.txt 2>&1; echo "decode.py rc=$? ($(( $(date +%s) - t0 )) s)"
cat $OUT/decode.md
