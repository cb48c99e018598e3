#!/bin/bash
# Session 42 run 3 (H200): records on 7db67c0 (carry42a.tgz): the issue's shapes (decode.py), GQA 8:1 and 5:1 / 7:1
# (decode-h200-gqa8.md's configs), and blocks per split forced at GQA 8:1 and 4:1 (res256.py at D = 128).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 150 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -6
timeout 150 python3 benchmarks/decode.py --configs "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" \
    --out $OUT/gqa8 2>&1 | grep -v -i warn | tail -6
timeout 150 python3 benchmarks/decode.py --configs "1,40,8,32768;1,28,4,32768;4,56,8,32768;1,56,8,131072" \
    --out $OUT/gqa57 2>&1 | grep -v -i warn | tail -6
RES_D=128 timeout 100 python3 benchmarks/results/decode-session41/run4/res256.py \
    "1,64,8,32768;1,64,8,131072;1,32,8,32768;1,32,8,131072" "2,3,4,5,6" 2>&1 | grep -v -i warn | tee $OUT/bps.txt
