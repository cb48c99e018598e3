#!/bin/bash
# session 22 decode-v19 run 7 (H100): decode time against blocks per split, in turns, twice (bps_sweep.py).
# Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
for i in 1 2; do timeout 200 python3 benchmarks/results/decode-v19/run7-h100-bps-sweep/bps_sweep.py 2>&1 | grep -v -i warn; done | tee $OUT/sweep.txt
