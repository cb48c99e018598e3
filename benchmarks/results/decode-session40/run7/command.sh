#!/bin/bash
# Session 40 run 7 (H200): the final tree (WD_FEW8 for 5 to 8 rows at D = 128, rows_alloc 5-7 rounded to 8 there;
# carry40c.tgz): the whole GPU suite and the sanitizers, then decode.py at GQA 5:1 and 7:1, D = 128 (gqa57/).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 400 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -6 $OUT/check.txt
timeout 90 python3 benchmarks/decode.py --configs "1,40,8,32768;1,28,4,32768;4,56,8,32768;1,56,8,131072" \
    --out $OUT/gqa57 2>&1 | grep -v -i warn | tail -7
