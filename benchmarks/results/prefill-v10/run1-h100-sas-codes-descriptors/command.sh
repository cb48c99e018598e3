#!/bin/bash
# session 7 run 1: prefill v10 (SAS codes with 2^-n on inv's exponent; wgmma descriptors from a low word)
# against HEAD (_baseline), same machine: parity tests on the new build, prefill.py --quick new/base x3.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1; cat $OUT/gpu.txt
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
t0=$(date +%s)
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head
mkdir -p $OUT/runs
for r in new1 base1 new2 base2 new3 base3; do
  d=$PWD; [[ $r == base* ]] && d=$PWD/_baseline
  mkdir -p $OUT/runs/$r
  (cd $d && PYTHONPATH=$d timeout 100 python3 benchmarks/prefill.py --quick --dims 128 64 --no-ceilings --reps 10 --out $OUT/runs/$r > $OUT/runs/$r/bench.log 2>&1); echo "$r rc=$?"
  grep -E "^\| 4096" $OUT/runs/$r/prefill.md | cut -d'|' -f2-6,8,10
done
tar czf $OUT/runs.tgz -C $OUT runs && rm -rf $OUT/runs
