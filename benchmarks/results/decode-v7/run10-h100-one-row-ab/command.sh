#!/bin/bash
# session 8 run 10: run 9's A/B again on the same machine and builds (run 9's pairs had outliers of up to 5x),
# five more pairs. _baseline's Python files come back from _s8_basepy.tgz (the device keeps only its build).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
tar xzf benchmarks/_s8_basepy.tgz -C _baseline
ls _baseline/turboattn/_C*.so turboattn/_C*.so || exit 1
nvidia-smi --query-gpu=clocks.sm,temperature.gpu,power.draw,utilization.gpu --format=csv
for r in new1 base1 new2 base2 new3 base3 new4 base4 new5 base5; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s8_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
