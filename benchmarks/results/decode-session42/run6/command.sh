#!/bin/bash
# Session 42 run 6 (H200): the final tree (carry42d.tgz: 7db67c0's kernels and _C.decode_last_plan; run 5's image
# built by the residual warp reverted): the whole GPU suite and the sanitizers, then the records: the issue's shapes
# (decode.py) and GQA 8:1 (decode-h200-gqa8.md's configs).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 420 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
timeout 100 python3 benchmarks/decode.py --out $OUT/decode 2>&1 | grep -v -i warn | tail -6
timeout 100 python3 benchmarks/decode.py --configs "1,64,8,32768;8,64,8,32768;16,64,8,8192;1,64,8,131072" \
    --out $OUT/gqa8 2>&1 | grep -v -i warn | tail -6
