#!/bin/bash
# Session 35 run 7: the final forms of decode_floor.py and decode_budget.py (their back-to-back timing moved to
# benchmarks/timing.py), run again as a check: the floor at the first shape, the budget in full.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
python3 benchmarks/decode_floor.py --quick --out $OUT
python3 benchmarks/decode_budget.py --out $OUT > $OUT/budget.log 2>&1; tail -16 $OUT/budget.log
