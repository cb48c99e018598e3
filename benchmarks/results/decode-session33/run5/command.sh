#!/bin/bash
# Session 33 run 5, on the tree 88334a4: what the host adds to a timed decode call (host_share.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 200 python3 benchmarks/results/decode-session33/run5/host_share.py 2>&1 | grep -v -i warn | tee $OUT/host_share.md
