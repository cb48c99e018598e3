#!/bin/bash
# session 8 run 7: decode.py twice on run 6's build (run 6's first configuration had outliers: its 2-bit,
# mixed and CTA-kernel cells were 20-40 % above run 5's A/B and the other rows).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv
for r in 1 2; do
  mkdir -p $OUT/bench$r
  timeout 150 python3 benchmarks/decode.py --out $OUT/bench$r > $OUT/bench$r/decode_bench.log 2>&1; echo "decode $r rc=$?"
  grep -E "^\| [0-9]" $OUT/bench$r/decode.md
done
