#!/bin/bash
# Session 40 run 5 (H200): the final tree (D = 64 one-row and few-row rows; the few-row form over two quads for
# items of exactly 8 rows at D = 128; carry40b.tgz): the whole GPU suite and the sanitizers, then decode.py at
# D = 64 (d64/) and at GQA 8:1, D = 128 (gqa8/).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40b.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 400 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -6 $OUT/check.txt
timeout 90 python3 benchmarks/decode.py --d 64 --configs "1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072" \
    --out $OUT/d64 2>&1 | grep -v -i warn | tail -7
timeout 90 python3 benchmarks/decode.py --configs "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" \
    --out $OUT/gqa8 2>&1 | grep -v -i warn | tail -7
