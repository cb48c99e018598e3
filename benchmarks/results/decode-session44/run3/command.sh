#!/bin/bash
# Session 44 run 3 (H200): the final kernels and plan (carry44c.tgz: more than 4 rows a KV head on a 4- or 2-bit cache
# in the fewest items of at most 4 rows). The whole GPU suite and the sanitizers (which now also run 8 and 10 rows as
# items of 8), then decode.py at GQA 8:1 and at 5:1 and 7:1 (the shapes of results/decode-h200-gqa8.md).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
timeout 110 python3 benchmarks/decode.py --configs "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" \
    --out $OUT/gqa8 2>&1 | grep -v -i warn | tail -6
timeout 110 python3 benchmarks/decode.py --configs "1,40,8,32768;1,28,4,32768;4,56,8,32768;1,56,8,131072" \
    --out $OUT/gqa57 2>&1 | grep -v -i warn | tail -6
