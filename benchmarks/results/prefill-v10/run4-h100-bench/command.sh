#!/bin/bash
# session 7 run 4: prefill.py (benchmark of record) on the final tree, built by run 3 on this machine.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1; cat $OUT/gpu.txt
ls turboattn/_C*.so || python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1
t0=$(date +%s)
timeout 400 python3 benchmarks/prefill.py --out $OUT > $OUT/prefill_bench.log 2>&1; echo "prefill rc=$? $(( $(date +%s) - t0 )) s"
grep -E "^\| (1024|4096|16384)" $OUT/prefill.md
