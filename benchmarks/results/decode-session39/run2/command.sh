#!/bin/bash
# Session 39 run 2 (H200): the record's second process, then whether the plan's choices still suit this chip:
# blocks per split forced per copy of the tree in one process (abn.py, ABN_BPS), the kernel-table variants in turn
# (decode_sweep.py), and the prefill record on this chip.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 150 python3 benchmarks/decode.py --out $OUT/decode2 2>&1 | grep -v -i warn | tail -7
ABN_SHAPES="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;16,32,8,8229" ABN_BPS=0,6,8,16,24 ABN_FORMS=4s,2s \
    timeout 150 python3 benchmarks/results/decode-session31/abn.py 4 $PWD $PWD $PWD $PWD $PWD 2>&1 | grep -v -i warn | tee $OUT/bps.txt
timeout 120 python3 benchmarks/decode_sweep.py --out $OUT --variants 0,1,2 --bps 0 --bits 4,2 2>&1 | grep -v -i warn | tail -30
timeout 150 python3 benchmarks/prefill.py --out $OUT/prefill 2>&1 | grep -v -i warn | tail -16
