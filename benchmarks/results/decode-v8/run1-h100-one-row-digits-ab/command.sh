#!/bin/bash
# session 9 run 1: one-row forms with the steps on q's and P's side (two base-256 digits as B's columns
# 0 and 1; codes only transposed and split) against HEAD (_baseline), same machine: both builds, decode
# tests on the new tree (incl. the new clamp test), the clamp test on the baseline build, A/B x3.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)|^E  " $OUT/tests.log | head -20
cp benchmarks/_s9_test_clamp_base.py _baseline/tests/_s9_clamp.py
(cd _baseline && PYTHONPATH=$ROOT/_baseline timeout 100 python3 -m pytest -q -p no:cacheprovider tests/_s9_clamp.py -k clamp > $OUT/tests_base_clamp.log 2>&1; echo "base clamp tests rc=$?"; tail -1 $OUT/tests_base_clamp.log; grep -E "^E  " $OUT/tests_base_clamp.log | head -12)
for r in new1 base1 new2 base2 new3 base3; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s9_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
echo "total: $(( $(date +%s) - t0 )) s"
