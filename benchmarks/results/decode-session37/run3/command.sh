#!/bin/bash
# Session 37 run 3: skip2 (run 2's skip, with the blocks needed found once per split after the look-back, all the
# blocks' scores read together; skip2.diff) against the tree (93271d7) in one process; then the KV, decode-step and
# graph test files on skip2.
# The variant's warp object (build/var37c.tgz, _diag/skip2/attn_decode_warp.o) was compiled from 93271d7 with skip2.diff
# applied: nvcc -c csrc/attn_decode_warp.cu -o _diag/skip2/attn_decode_warp.o -O3 -std=c++17 -Xcompiler -fPIC
# --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var37c.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="skip2" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
for v in skip2; do
    (cp -r tests /tmp/v_$v/ && cd /tmp/v_$v && TURBOATTN_CUDA=1 timeout 250 python3 -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_$v.log 2>&1)
    echo "tests on $v: rc=$?"; tail -3 $OUT/tests_$v.log
done
