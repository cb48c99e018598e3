#!/bin/bash
# session 11 run 1: the one-row form's per-element work spread over the warp (wd_spread_one) and block cursors
# (wd_cursor) against HEAD (_baseline), same machine: both builds, the GPU suite on the new tree, ncu instruction
# counts and durations of the warp kernel for both trees (one row and four rows, 4 and 2 bits), A/B x3 (raw binding).
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
for tree in new base; do
  d=$ROOT; [[ $tree == base ]] && d=$ROOT/_baseline
  for shape in "1 32 32 32768" "8 32 8 32768"; do
    (cd $d && OUT=/tmp/ncu_$tree SHAPE="$shape" bash benchmarks/gpu_stalls_decode.sh 2>&1 | grep -E "==|inst_executed|duration|issue_active" | tr '\n' ' '; echo) | sed "s/^/$tree: /"
  done
done
for r in new1 base1 new2 base2 new3 base3; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s11_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
echo "total: $(( $(date +%s) - t0 )) s"
