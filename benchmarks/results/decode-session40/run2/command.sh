#!/bin/bash
# Session 40 run 2 (H200): the tree with run 1's d64 (carry40a.tgz): the whole GPU suite, then decode.py at GQA 8:1
# (Hq = 64 over Hkv = 8, eight query rows an item: the warp kernel's general row) at D = 128 (gqa8/).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -4 $OUT/check.txt
timeout 150 python3 benchmarks/decode.py --configs "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" \
    --out $OUT/gqa8 2>&1 | grep -v -i warn | tail -8
