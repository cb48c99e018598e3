#!/bin/bash
# Session 39 run 3 (H200): how many instructions a block can hide under its bytes on this chip
# (benchmarks/decode_budget.py; session 35 measured it on an H100), and the prefill record on this chip.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 300 python3 benchmarks/decode_budget.py --out $OUT/budget 2>&1 | grep -v -i warn | tail -16
PYTHONPATH=$PWD timeout 260 python3 benchmarks/prefill.py --out $OUT/prefill 2>&1 | grep -v -i warn | tail -20
