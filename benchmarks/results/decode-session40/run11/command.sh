#!/bin/bash
# Session 40 run 11 (H200): the final tree (t8 kept: items of 8 query rows when a KV head has more than 8, at D = 128
# on 4- and 2-bit caches; carry40d.tgz): the whole GPU suite and the sanitizers, then decode.py with 2 and 4 query
# tokens a call (nq2/, nq4/).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40d.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 400 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -6 $OUT/check.txt
timeout 60 python3 benchmarks/decode.py --nq 2 --configs "1,32,8,32768;8,32,8,32768;1,64,8,32768" --out $OUT/nq2 2>&1 |
    grep -v -i warn | tail -5
timeout 60 python3 benchmarks/decode.py --nq 4 --configs "1,32,8,32768;8,32,8,32768" --out $OUT/nq4 2>&1 |
    grep -v -i warn | tail -4
