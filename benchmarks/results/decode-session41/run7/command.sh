#!/bin/bash
# Session 41 run 7 (H200): the residual rows at D = 256 in the warp kernel (an 8-bit image block staged by halves, as the
# 4- and 2-bit blocks; carry41e.tgz). The KV test file; in one process against h40 (3614e93's warp object) the D = 128
# controls, with and without 37 residual rows (the general key loop now runs by halves, once at D <= 128); res256.py;
# decode.py at D = 256.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41e.tgz
tar xzf build/var41a.tgz # _diag/h40/attn_decode_warp.o
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py 2>&1 | tail -3 | tee $OUT/tests.txt
ABN_SHAPES="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,32,32805;16,32,8,8229;1,32,8,131109;1,64,8,32768" VARS="h40" \
    FORMS=4s,2s ROUNDS=3 LOGS=$OUT timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
R=benchmarks/results/decode-session41/run4/res256.py
timeout 150 python3 $R "1,16,8,16384;1,16,8,32768;1,16,16,32768;8,16,8,32768;1,16,8,131072;1,8,4,32768" "8" 2>&1 |
    grep -v -i warn | tee $OUT/d256.txt
timeout 120 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256rec 2>&1 | grep -v -i warn | tail -6
