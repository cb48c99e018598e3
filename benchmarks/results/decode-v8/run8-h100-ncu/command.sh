#!/bin/bash
# session 9 run 8: ncu on the committed tree (77cbe7f): stall cycles per issued instruction, instructions and
# issue rate of the warp kernel for the one-row shape and two four-row shapes at 4 and 2 bits.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
OUT=$OUT/one MODE=stalls BITS="4 2" bash benchmarks/gpu_stalls_decode.sh
OUT=$OUT/b8 SHAPE="8 32 8 32768" MODE=stalls BITS="4 2" bash benchmarks/gpu_stalls_decode.sh
OUT=$OUT/b16 SHAPE="16 32 8 8192" MODE=stalls BITS="4" bash benchmarks/gpu_stalls_decode.sh
rm -f $OUT/build.log
echo "total: $(( $(date +%s) - t0 )) s"
