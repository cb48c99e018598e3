#!/bin/bash
# session 11 run 7 (the tree of run 6): compute-sanitizer memcheck and racecheck (gpu_check.sh's cases: residual
# rows, NaN and Inf q on both kernel paths) and the benchmark of record, decode.py, with its residual column.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
t0=$(date +%s)
ls turboattn/_C*.so > /dev/null 2>&1 || { python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"; }
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 330 bash benchmarks/gpu_check.sh 2>&1 | tail -8
echo "sanitize: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 220 python3 benchmarks/decode.py --out $OUT > $OUT/decode_stdout.txt 2>&1; echo "decode.py rc=$?"
tail -7 $OUT/decode.md
echo "total: $(( $(date +%s) - t0 )) s"
