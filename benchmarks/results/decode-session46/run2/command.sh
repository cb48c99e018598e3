#!/bin/bash
# Session 46 run 2 (H200), the tree of run 1 (carry46a.tgz) with the sanitizer script's D = 112 case given 3 query
# tokens (run 1's had 2, and its NaN case indexes token 2, so the script stopped there with an IndexError): the
# sanitizers; decode.py at D = 112 on the issue's shapes and on MPT-30B-like MHA shapes (64 heads, 8k and 32k).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="sanitize" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 7 $OUT/check.txt
grep -v "^=========\s*$" /tmp/check/sanitizer.txt | grep -i -B2 -A8 "error\|traceback" | head -40
timeout 120 python3 benchmarks/decode.py --d 112 --out $OUT/d112 2>&1 | grep -v -i warn | tail -n 8
timeout 100 python3 benchmarks/decode.py --d 112 --configs "1,64,64,8192;4,64,64,8192;1,64,64,32768" --out $OUT/d112mpt 2>&1 | grep -v -i warn | tail -n 6
