#!/bin/bash
# session 10 run 4: phase 1 of the warp decode kernel with a ring of two key stages (block j + 2 copied while block j
# is computed; 4 and 2 bits) against HEAD (_baseline), same machine: both builds, the GPU suite, A/B x3 (raw binding
# and API), ncu stall summary of the new one-row kernel at 4 bits, memcheck and racecheck.
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
PYTHONPATH=$ROOT timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
for r in new1 base1 new2 base2 new3 base3; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s10_ab2.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
PYTHONPATH=$ROOT OUT=$OUT MODE=stalls BITS="4" timeout 100 bash benchmarks/gpu_stalls_decode.sh
echo "before sanitizer: $(( $(date +%s) - t0 )) s"
OUT=$OUT NO_BUILD=1 STAGES="sanitize" timeout $(( 585 - ($(date +%s) - t0) )) bash benchmarks/gpu_check.sh
echo "total: $(( $(date +%s) - t0 )) s"
