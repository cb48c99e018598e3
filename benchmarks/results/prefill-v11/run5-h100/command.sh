#!/bin/bash
# session 13 run 5 (H100): the prefill grid tile-major (TURBOATTN_PREFILL_RASTER=tile) against head-major, one
# build: parity tests, then benchmarks/_s13_ab.py (interleaved reps).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee $OUT/gpu.txt
rm -rf build turboattn/_C*.so
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
timeout 200 python3 benchmarks/_s13_ab.py 2>&1 | tee $OUT/ab.txt
echo "total: $(( $(date +%s) - t0 )) s"
