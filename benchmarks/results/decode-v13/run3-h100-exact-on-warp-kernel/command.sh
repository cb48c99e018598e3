#!/bin/bash
# session 14 run 7 (H100): decode softmax="exact" on the warp kernel (SFU exp2 pair); build, the GPU suite, the
# sanitizers, exact vs SAS vs exact on the CTA kernel in turns.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 170 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
python3 benchmarks/results/decode-v13/exact_vs_sas.py 2>&1 | grep -v warn | tee $OUT/dexact.txt
echo "bench done ($(( $(date +%s) - t0 )) s)"
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 150 bash benchmarks/gpu_check.sh 2>&1 | tail -4
echo "all done ($(( $(date +%s) - t0 )) s)"
