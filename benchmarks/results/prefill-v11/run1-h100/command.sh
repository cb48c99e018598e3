#!/bin/bash
# session 13 run 1 (H100): prefill, lazy accumulator rescale (all wgmma rows) and the MMA_WG_LAG rows, against
# e618190 (_baseline). Parity tests on the new build, then prefill.py --quick new/base alternating x2.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee $OUT/gpu.txt
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > /tmp/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
grep -i "C75\|spill" $OUT/build.log | head -5
timeout 240 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)|Error|assert" $OUT/tests.log | head -8
mkdir -p $OUT/runs
for r in new1 base1 new2 base2; do
  d=$ROOT; v128="0 1 2"; v64="0 4 5"
  [[ $r == base* ]] && d=$ROOT/_baseline && v128="0 1" && v64="0 4"
  for D in 128 64; do
    vs=$v128; [[ $D == 64 ]] && vs=$v64
    mkdir -p $OUT/runs/$r-$D
    (cd $d && PYTHONPATH=$d timeout 150 python3 benchmarks/prefill.py --quick --dims $D --variants $vs --no-ceilings --reps 10 --out $OUT/runs/$r-$D > $OUT/runs/$r-$D/bench.log 2>&1); echo "$r D=$D rc=$?"
    grep -A8 "Other kernel variants" $OUT/runs/$r-$D/prefill.md | grep "^|" 
    grep -E "^\| 4096" $OUT/runs/$r-$D/prefill.md | head -2
  done
done 2>&1 | tee $OUT/ab.txt
echo "total: $(( $(date +%s) - t0 )) s"
