#!/bin/bash
# session 5 run 8 (device call 11): same-machine A/B of the wgmma row's P V fold: _baseline/ = commit 6d1cdae
# (magic start, two FFMA per element) against the working tree (P V from zero, I2FP, one FFMA when the whole
# warp keeps its maxima). Parity tests on the new build, then D=128 benchmark of both, in both orders.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1) &
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
wait
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?"; tail -2 $OUT/pytest.log
for order in "new base" "base new"; do
  for which in $order; do
    dir=$PWD; [ $which = base ] && dir=$PWD/_baseline
    mkdir -p /tmp/ab_$which
    PYTHONPATH=$dir timeout 200 python3 benchmarks/prefill.py --out /tmp/ab_$which --dims 128 --no-ceilings --reps 15 > $OUT/bench_${which}_$(echo $order | tr ' ' _).log 2>&1
    echo "== $which ($order)"; grep -E '^N=' $OUT/bench_${which}_$(echo $order | tr ' ' _).log | cut -c1-75
  done
done
