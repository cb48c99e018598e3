#!/bin/bash
# session 12 run 6 (H100): A/B of the final tree against d0338a4 (_baseline), both built here, alternating x2.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > /tmp/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
for r in new1 base1 new2 base2; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && AB_ROOT=$ROOT PYTHONPATH=$d timeout 120 python3 $ROOT/benchmarks/_s12_ab.py $r 2>/dev/null)
done | tee $OUT/ab.txt
echo "total: $(( $(date +%s) - t0 )) s"
