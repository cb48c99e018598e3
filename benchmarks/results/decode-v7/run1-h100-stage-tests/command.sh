#!/bin/bash
# session 8 run 1: decode warp kernel with a cp.async stage (next block's codes copied into shared memory
# during the current block) against HEAD (_baseline), same machine: build both, decode parity tests on the
# new build, kernel-only A/B x3 (_s8_ab.py).
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
timeout 240 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$? $(( $(date +%s) - t0 )) s"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)|Error" $OUT/tests.log | head
for r in new1 base1 new2 base2 new3 base3; do
  d=$PWD; [[ $r == base* ]] && d=$PWD/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $PWD/benchmarks/_s8_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
echo "total: $(( $(date +%s) - t0 )) s"
