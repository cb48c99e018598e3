#!/bin/bash
# Session 41 run 12 (H200): 8-bit caches at D = 256 in the warp kernel (v8, var41v.tgz: the tree's warp object with the
# two D = 256 guards removed; its 8-bit path by halves is the residual rows') against the tree (carry41f.tgz), where
# they take the CTA kernel, in one process; then the KV tests at D = 256 and the 8-bit ones on v8.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41f.tgz
tar xzf build/var41v.tgz # _diag/v8/attn_decode_warp.o
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
ABN_D=256 ABN_SHAPES="1,16,16,32768;1,16,8,32768;8,16,8,32768;1,32,8,32768;1,16,16,32805" VARS="v8" FORMS=8s,4s \
    ROUNDS=3 LOGS=$OUT timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
rm -rf /tmp/v_v8/tests && cp -r tests /tmp/v_v8/ && cd /tmp/v_v8 && TURBOATTN_CUDA=1 timeout 150 python3 -m pytest -q -x \
    tests/test_cuda_kv.py -k "256 or eight_bit" 2>&1 | tail -2 | tee $OUT/tests.txt
