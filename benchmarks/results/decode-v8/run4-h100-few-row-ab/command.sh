#!/bin/bash
# session 9 run 4: the few-row forms, keys (run 3) and now values too (O^T = V^T P^T with the 4 rows' P digits
# as B's 8 columns); same build A/B against the general row (TURBOATTN_DECODE_VARIANT=1 gives 2-4-row and
# one-row calls the general row), four pairs. Decode tests first.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
rm -rf build turboattn/_C*.so
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)|^E  " $OUT/tests.log | head -20
for r in few1 gen1 few2 gen2 few3 gen3 few4 gen4; do
  v=0; [[ $r == gen* ]] && v=1
  TURBOATTN_DECODE_VARIANT=$v timeout 100 python3 $ROOT/benchmarks/_s9_ab.py > $OUT/ab_$r.log 2>&1; echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
echo "total: $(( $(date +%s) - t0 )) s"
