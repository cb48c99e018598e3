#!/bin/bash
# Session 37 run 5: stq (stq.diff): the softmax step with 2 to 16 lanes a row reads its scores in runs of four tokens
# (float4, no bank conflicts) and stores their P codes as one word, against the tree (93271d7) in one process; then
# the KV, decode-step and graph test files on stq.
# The variant's warp object (build/var37e.tgz, _diag/stq/attn_decode_warp.o) was compiled from 93271d7 with stq.diff
# applied: nvcc -c csrc/attn_decode_warp.cu -o _diag/stq/attn_decode_warp.o -O3 -std=c++17 -Xcompiler -fPIC
# --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var37e.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="stq" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
for v in stq; do
    (cp -r tests /tmp/v_$v/ && cd /tmp/v_$v && TURBOATTN_CUDA=1 timeout 250 python3 -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_$v.log 2>&1)
    echo "tests on $v: rc=$?"; tail -3 $OUT/tests_$v.log
done
