#!/bin/bash
# session 23 run 4 (H100): the record of the tree with four CTAs per SM at D = 128 (v20, run 3): the whole GPU
# suite, the sanitizer cases (gpu_check.sh) and prefill.py.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
timeout 240 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 200 bash benchmarks/gpu_check.sh 2>&1 | tail -4
echo "sanitize done ($(( $(date +%s) - t0 )) s)"
python3 benchmarks/prefill.py --out $OUT 2>&1 | grep -v "^|" | tail -14
echo "prefill done ($(( $(date +%s) - t0 )) s)"
cat $OUT/prefill.md | tail -14
