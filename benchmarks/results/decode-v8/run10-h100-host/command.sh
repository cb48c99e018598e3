#!/bin/bash
# session 9 run 10: the host and launch part of one decode call on the committed tree: the GPU timeline of
# single calls (timeline.py), event vs back-to-back vs host time (decode_overhead.py), the binding's pieces
# (decode_host_parts.py).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 120 python3 benchmarks/timeline.py decode 1 32 32 32768 2>&1 | tail -25
timeout 120 python3 benchmarks/timeline.py decode 16 32 8 8192 2>&1 | tail -12
timeout 200 python3 benchmarks/decode_overhead.py --out $OUT 2>&1 | tail -25
timeout 120 python3 benchmarks/decode_host_parts.py 2>&1 | tail -20
rm -f $OUT/build.log
echo "total: $(( $(date +%s) - t0 )) s"
