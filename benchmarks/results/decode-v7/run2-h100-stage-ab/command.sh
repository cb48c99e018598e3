#!/bin/bash
# session 8 run 2: run 1's A/B again with the script's path fixed (run 1's baseline runs failed to start):
# rebuild _baseline (HEAD) only, the new tree keeps run 1's build; kernel-only A/B x3 (_s8_ab.py).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
ls turboattn/_C*.so || (python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?")
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?")
echo "builds: $(( $(date +%s) - t0 )) s"
for r in base1 new1 base2 new2 base3 new3; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s8_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
echo "total: $(( $(date +%s) - t0 )) s"
