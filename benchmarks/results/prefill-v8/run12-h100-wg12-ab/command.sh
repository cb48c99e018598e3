#!/bin/bash
# session 5 run 9 (device call 12): D=128 wgmma with 12 consumer warps (P V in two 64-channel parts through
# one 32-register tile) against the 8-warp default, same machine, both orders; parity tests of every row.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
rm -rf build turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?"; tail -2 $OUT/pytest.log
timeout 200 python3 benchmarks/prefill.py --out $OUT --variants 0 1 --dims 128 --no-ceilings --reps 15 > $OUT/bench_01.log 2>&1
echo "bench 0 1 rc=$?"; grep -A10 "Other kernel" $OUT/bench_01.log
mkdir -p /tmp/b10; timeout 200 python3 benchmarks/prefill.py --out /tmp/b10 --variants 1 0 --dims 128 --no-ceilings --reps 15 > $OUT/bench_10.log 2>&1
echo "bench 1 0 rc=$?"; grep -A10 "Other kernel" $OUT/bench_10.log
