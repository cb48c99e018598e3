#!/bin/bash
# Session 46 run 9 (H200), the committed tree's kernels (carry46d.tgz): decode.py now times copies in turn where a
# cache (or SDPA's FP16 K/V) fits in twice the L2. The records whose caches do (GQA 8:1, 5:1 and 7:1 at B = 1; D = 64
# at GQA 7:1 and 8:1; MPT-30B-like at 8k), each first with --warm (one cache back to back, as before), then cold.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
run() { # name, then decode.py's arguments
    local name=$1; shift
    for mode in warm cold; do
        timeout 150 python3 benchmarks/decode.py "$@" $([ $mode = warm ] && echo --warm) --out $OUT/$name-$mode 2>&1 | grep -v -i warn | grep "^|" | tail -n +3
    done
}
run gqa8 --configs "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072"
run gqa57 --configs "1,40,8,32768;1,28,4,32768;4,56,8,32768;1,56,8,131072"
run d64gqa --d 64 --configs "1,32,4,32768;1,14,2,32768;8,32,4,32768;1,32,4,131072"
run d112mpt --d 112 --configs "1,64,64,8192;4,64,64,8192;1,64,64,32768"
