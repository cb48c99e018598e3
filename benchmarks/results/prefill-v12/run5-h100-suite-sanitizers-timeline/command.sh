#!/bin/bash
# session 14 run 5 (H100): the final tree (bfc327e): build, the GPU suite, the sanitizers, prefill timelines (4k and 16k),
# the decode API against the raw binding in turns.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 170 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 120 bash benchmarks/gpu_check.sh 2>&1 | tail -4
echo "sanitize done ($(( $(date +%s) - t0 )) s)"
python3 benchmarks/results/decode-v13/api_vs_raw.py 2>&1 | grep -v warn
for n in 4096 16384; do python3 benchmarks/timeline.py prefill $n 128 2>&1 | grep -v "warn" | tail -4; done
echo "all done ($(( $(date +%s) - t0 )) s)"
