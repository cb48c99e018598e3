#!/bin/bash
# Session 42 run 2 (H200): the per-item prologue and look-back (carry42a.tgz: q loaded 16 bytes at a time, look-back
# groups of 24 words a lane, 32-bit item divisions) against session 41's warp object (_diag/h41: 3b59df9's attn_decode_warp.cu for sm_90a), in one process,
# outputs compared bit for bit; then the decode tests (test_cuda_kv.py, with the new q alignment test).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py 2>&1 | tail -4
ABN_SHAPES="1,32,32,32768;1,32,8,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,64,8,32768;1,64,8,131072;8,64,8,32768" \
    VARS="h41" FORMS=4s,2s,4e ROUNDS=3 LOGS=$OUT timeout 330 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt | tail -30
