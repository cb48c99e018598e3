#!/bin/bash
# session 8 run 9: the one-row value product turned around (V^T as the mma's A, P^T as B: half the mma and
# half the fold) and a 32-512 ns look-back backoff, against HEAD d9d0d5e (_baseline), same machine: both builds,
# decode parity tests on the new one (tests/test_cuda_kv.py), kernel-only A/B x4.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -5
for r in base1 new1 base2 new2 base3 new3 base4 new4; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  v=0; [[ $r == v1* ]] && v=1
  (cd $d && TURBOATTN_DECODE_VARIANT=$v PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s8_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
echo "total: $(( $(date +%s) - t0 )) s"
