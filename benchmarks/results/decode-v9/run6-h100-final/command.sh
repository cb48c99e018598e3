#!/bin/bash
# session 10 run 6: the committed tree: GPU suite, decode.py twice (benchmark of record), then decode_sweep.py
# (blocks per split x table variant).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
for r in 1 2; do
  mkdir -p $OUT/bench$r
  timeout 150 python3 benchmarks/decode.py --out $OUT/bench$r > $OUT/bench$r/decode_bench.log 2>&1; echo "decode $r rc=$? $(( $(date +%s) - t0 )) s"
  grep -E "^\| [0-9]" $OUT/bench$r/decode.md
  rm -f $OUT/bench$r/decode_bench.log
done
rm -f $OUT/bench2/decode.json
timeout $(( 580 - ($(date +%s) - t0) )) python3 benchmarks/decode_sweep.py --out $OUT > $OUT/sweep.log 2>&1; echo "sweep rc=$?"
rm -f $OUT/build.log
echo "total: $(( $(date +%s) - t0 )) s"
