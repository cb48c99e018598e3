#!/bin/bash
# Session 38 run 4: one wave for the residual items. At (16,32,8,8k + 37) the plan's 11 blocks per split fill the wave
# (1536 of 1584 warps), and the 128 residual items run after it, their latency chain (q, one block, look-back, one
# block) taking about 20 us under load (run 3). The tree (0a9983d) three times in one process, blocks per split
# forced to 0 (the plan), 12 and 13, on shapes whose residual items do and do not fit the wave.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="16,32,8,8229;16,32,8,8192;32,32,8,4133;8,32,8,32805;16,32,8,16421"
ABN_BPS=0,12,13 ABN_FORMS=4s,2s python3 benchmarks/results/decode-session31/abn.py 6 $PWD $PWD $PWD 2>&1 | grep -v -i warn | tee $OUT/ab.txt
