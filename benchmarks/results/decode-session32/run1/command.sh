#!/bin/bash
# Session 32 run 1: the stage filled by bulk copies (the tree then: 113649f + bulk_quads.diff) against its parent 113649f (_diag/h32: the parent's
# attn_decode_warp.o, sm_90a) in one process (ab_variants.sh: abn.py, 4 rounds); the KV and decode tests on the tree
# and on the tree with an sm_80-only attn_decode_warp.o (_diag/sm80: the cp.async fallback of the same layout).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry32.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
OBJ=build/temp.linux-x86_64-cpython-312/cuda
echo "bulk copies in the tree's warp kernels: $(cuobjdump -sass $OBJ/attn_decode_warp.o | grep -c UBLKCP)"
python3 -m pytest -q -x tests/test_cuda_kv.py 2>&1 | tail -3 | tee $OUT/tests.txt
mkdir -p /tmp/v_sm80/build && cp -r setup.py pyproject.toml README.md csrc turboattn tests /tmp/v_sm80/ &&
    cp -r build/temp.linux-x86_64-cpython-312 /tmp/v_sm80/build/ && cp _diag/sm80/attn_decode_warp.o /tmp/v_sm80/$OBJ/
(cd /tmp/v_sm80 && rm -f turboattn/_C*.so && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build_sm80.log 2>&1 &&
    echo "sm_80 object: $(cuobjdump -sass $OBJ/attn_decode_warp.o | grep -c UBLKCP) bulk copies" &&
    python3 -m pytest -q -x tests/test_cuda_kv.py -k "decode" 2>&1 | tail -3) | tee $OUT/tests_sm80.txt
VARS="h32" FORMS=4s,2s,4e ROUNDS=4 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
