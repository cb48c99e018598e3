#!/bin/bash
# Session 35 run 6 (run 1 again, for its spread): the floors of a decode call timed as decode.py times it (read kernels over each cache's bytes,
# the host share of a one-kernel torch op and of turboattn's call), next to SDPA and turboattn, tree 3c26465's kernels.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
python3 benchmarks/decode_floor.py --out $OUT
