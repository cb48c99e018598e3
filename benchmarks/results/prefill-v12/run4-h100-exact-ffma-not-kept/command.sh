#!/bin/bash
# session 14 run 4 (H100): the exact softmax with S - m in one FFMA (block maximum rounded up); build, prefill parity
# tests (zero-block and huge-score cases added), exact vs SAS in turns, the full prefill benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
python3 benchmarks/results/prefill-v12/run1-h100-exact-vs-sas/exact_vs_sas.py 2>&1 | tee $OUT/exact.txt
python3 benchmarks/prefill.py --out $OUT 2>&1 | grep -v "^|" | tail -14
echo "bench done ($(( $(date +%s) - t0 )) s)"
cat $OUT/prefill.md
