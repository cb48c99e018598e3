#!/bin/bash
# Session 41 run 2 (H200): D = 256 in the warp kernel (the one-row and few-row forms, a block staged as two halves of
# 128 channels; carry41a.tgz). The KV test file, then decode.py at D = 256 (its "4-bit CTA kernel" column is the path
# D = 256 took before), then in one process (abn.py) the tree against the tree's own warp object at 3614e93 (h40: the
# D = 128 controls must be bit-equal and equally fast; at D = 256 h40 runs the CTA kernel).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41a.tgz
tar xzf build/var41a.tgz # _diag/h40/attn_decode_warp.o
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py 2>&1 | tail -3 | tee $OUT/tests.txt
timeout 120 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256 2>&1 | grep -v -i warn | tail -6
{
    echo "== D = 128"
    ABN_SHAPES="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,64,8,32768" VARS="h40" FORMS=4s,2s ROUNDS=3 LOGS=$OUT \
        timeout 120 bash benchmarks/ab_variants.sh 2>&1
    echo "== D = 256"
    ABN_D=256 ABN_SHAPES="1,16,16,32768;1,16,8,32768;8,16,8,32768" VARS="h40" FORMS=4s,2s ROUNDS=2 LOGS=$OUT \
        timeout 100 bash benchmarks/ab_variants.sh 2>&1
} | tee $OUT/ab.txt
