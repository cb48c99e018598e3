#!/bin/bash
# session 8 run 13: one-row kernel form (both products turned around, compile-time ONE row of the table) vs the
# general 168-register row in the same build (TURBOATTN_DECODE_VARIANT=0 / 1 differ only for one-row calls):
# build, decode parity tests, A/B x4, then the whole GPU suite + sanitizers and decode.py twice.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
rm -rf build turboattn/_C*.so
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py > $OUT/tests.log 2>&1
echo "tests rc=$?"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -5
for r in one1 gen1 one2 gen2 one3 gen3 one4 gen4; do
  v=0; [[ $r == gen* ]] && v=1
  TURBOATTN_DECODE_VARIANT=$v timeout 100 python3 $ROOT/benchmarks/_s8_ab.py > $OUT/ab_$r.log 2>&1; echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
grep -E "ERROR SUMMARY|hazard|RACECHECK SUMMARY" $OUT/sanitizer.txt | head
for r in 1 2; do
  mkdir -p $OUT/bench$r
  timeout 150 python3 benchmarks/decode.py --out $OUT/bench$r > $OUT/bench$r/decode_bench.log 2>&1; echo "decode $r rc=$?"
  grep -E "^\| [0-9]" $OUT/bench$r/decode.md
  rm -f $OUT/bench$r/decode_bench.log
done
echo "total: $(( $(date +%s) - t0 )) s"
