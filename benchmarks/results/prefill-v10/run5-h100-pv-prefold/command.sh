#!/bin/bash
# session 7 run 5: P V fold of the 12-warp wgmma row with alpha * acc - bias before the wait (one FMA per
# element after it) against the tree of runs 3-4 (_baseline, built here: the machine of runs 3-4 had gone back),
# same machine: prefill parity tests, prefill.py --quick --dims 128, new/base x3.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,clocks.sm --format=csv,noheader
t0=$(date +%s)
if ls turboattn/_C*.so; then cp turboattn/_C*.so _baseline/turboattn/
else (cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") & fi
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?"
wait
echo "builds: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$PWD timeout 100 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head
mkdir -p $OUT/runs
for r in new1 base1 new2 base2 new3 base3; do
  d=$PWD; [[ $r == base* ]] && d=$PWD/_baseline
  mkdir -p $OUT/runs/$r
  (cd $d && PYTHONPATH=$d timeout 60 python3 benchmarks/prefill.py --quick --dims 128 --no-ceilings --reps 10 --out $OUT/runs/$r > $OUT/runs/$r/bench.log 2>&1); echo "$r rc=$?"
  grep -E "^\| 4096" $OUT/runs/$r/prefill.md | cut -d'|' -f2-6,8,10
done
tar czf $OUT/runs.tgz -C $OUT runs && rm -rf $OUT/runs
