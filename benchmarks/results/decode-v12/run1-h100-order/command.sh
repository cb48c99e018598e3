#!/bin/bash
# session 13 run 6 (H100): decode timing order, blocks (as decode.py) vs turns; tree 97c99e9.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee $OUT/gpu.txt
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 200 python3 benchmarks/_s13_dec_order.py 2>&1 | tee $OUT/order.txt
echo "total: $(( $(date +%s) - t0 )) s"
