#!/bin/bash
# session 6 run 7: the warp kernel's row step in the paired SAS form only (exact softmax and thresholds > 14
# go to the CTA kernel) against HEAD (_baseline), same machine: parity tests, decode.py new/base x3.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1; cat $OUT/gpu.txt
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
t0=$(date +%s)
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head
mkdir -p $OUT/runs
for r in new1 base1 new2 base2 new3 base3; do
  d=$PWD; [[ $r == base* ]] && d=$PWD/_baseline
  mkdir -p $OUT/runs/$r
  (cd $d && timeout 100 python3 benchmarks/decode.py --out $OUT/runs/$r > $OUT/runs/$r/bench.log 2>&1); echo "$r rc=$?"
  grep -E "^\| [0-9]" $OUT/runs/$r/decode.md | cut -d'|' -f2-5,9-11
done
tar czf $OUT/runs.tgz -C $OUT runs && rm -rf $OUT/runs
