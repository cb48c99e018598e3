#!/bin/bash
# session 10 run 3: Nsight Compute source counters of the one-row warp kernel (1, 32, 32, 32k) at 4 and 2 bits on
# the committed tree (per-SASS instruction counts and stall samples, read with ncu_decode_regions.py), and the
# stall summary of both.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
OUT=$OUT MODE=source BITS="4 2" bash benchmarks/gpu_stalls_decode.sh
OUT=$OUT MODE=stalls BITS="4" bash benchmarks/gpu_stalls_decode.sh
rm -f $OUT/build.log $OUT/ncu_source_*.log
echo "total: $(( $(date +%s) - t0 )) s"
