#!/bin/bash
# session 8 run 12: benchmark of record of the final tree on a fresh machine (run 11's machine was noisy: its
# SDPA times moved 5-10 % between two decode.py passes): build, decode.py three times.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
for r in 1 2 3; do
  mkdir -p $OUT/bench$r
  timeout 150 python3 benchmarks/decode.py --out $OUT/bench$r > $OUT/bench$r/decode_bench.log 2>&1; echo "decode $r rc=$?"
  grep -E "^\| [0-9]" $OUT/bench$r/decode.md
  rm -f $OUT/bench$r/decode_bench.log
done
echo "total: $(( $(date +%s) - t0 )) s"
