#!/bin/bash
# Session 44 run 2 (H200): the new default (rows of a KV head in the fewest items of at most 4 rows; carry44b.tgz)
# against the old choice forced with _C.decode_rows_per_item (run 1's rows.py), where run 1 did not look: 8-bit caches,
# 9 to 16 rows (several query tokens), 6:1, D = 256 (the CTA kernel before), the exact softmax; then the KV test file.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
R=benchmarks/results/decode-session44/run1/rows.py
run() { timeout 120 python3 $R "$@" 2>&1 | grep -v -i warn; }
{
run "1,64,8,32768;8,64,8,32768;1,40,8,32768;1,48,8,32768" "0,16" 8
RES_D=64 run "1,64,8,32768;1,32,4,32768" "0,16" 8
for b in 4 2; do
    run "1,64,8,32768,2;1,32,8,32768,4;8,32,8,32768,4;1,32,8,32768,3" "0,8" $b
    run "1,48,8,32768;4,48,8,32768" "0,8,4" $b
done
RES_D=64 run "1,32,4,32768,2;1,64,8,32768" "0,16" 4
RES_D=256 run "1,32,4,32768;1,64,8,32768;1,16,8,32768,4;4,32,4,32768" "0,16" 4
RES_D=96 run "1,32,32,32768,16;1,32,32,32768,5" "0,16" 4
EXACT=1 run "1,64,8,32768;8,64,8,32768" "0,8" 4
} > $OUT/rows.txt
grep "us:" $OUT/rows.txt
timeout 300 python3 -m pytest -q -x tests/test_cuda_kv.py > $OUT/kv_tests.txt 2>&1
tail -4 $OUT/kv_tests.txt
