#!/bin/bash
# Session 36 run 9: pf (each block's key and value scale loaded a block ahead in the one-row and few-row forms; pf.diff)
# against the tree (9d8e615) in one process, then the KV, decode-step and graph test files on pf. Run 8's profile put 8 %
# of the one-row form's stall samples on the step's product with the value scale and 4 % on the scores' with the key
# scale, both waiting for their global loads.
# pf's warp object (build/var36e.tgz, _diag/pf/attn_decode_warp.o) was compiled here from 9d8e615 with pf.diff applied:
# nvcc -c csrc/attn_decode_warp.cu -o _diag/pf/attn_decode_warp.o -O3 -std=c++17 -Xcompiler -fPIC
# --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36a.tgz && tar xzf build/var36e.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="pf" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
for v in pf; do
    (cp -r tests /tmp/v_$v/ && cd /tmp/v_$v && TURBOATTN_CUDA=1 timeout 250 python3 -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_$v.log 2>&1)
    echo "tests on $v: rc=$?"; tail -3 $OUT/tests_$v.log
done
