#!/bin/bash
# session 5: first wgmma prefill check: build, parity tests of every kernel row, quick benchmark of rows.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py -k "variants" > $OUT/pytest.log 2>&1
echo "pytest rc=$?"; tail -25 $OUT/pytest.log
timeout 300 python3 benchmarks/prefill.py --out $OUT --quick --variants 0 4 5 --no-ceilings --reps 10 > $OUT/bench.log 2>&1
echo "bench rc=$?"; tail -25 $OUT/bench.log
