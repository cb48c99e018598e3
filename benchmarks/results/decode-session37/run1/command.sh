#!/bin/bash
# Session 37 run 1: the warp kernel's warps looping over tickets (pers: the grid no larger than the resident CTAs),
# and the plan's tail on top of it (tail1, tail2: items one block shorter fill the waves, the blocks left over become
# splits of 1 or 2 blocks taken by the warps that end first), against the tree (93271d7) in one process; then the
# KV, decode-step and graph test files on tail1.
# The variants' objects (build/var37a.tgz: _diag/<v>/attn_decode.o and attn_decode_warp.o) were compiled from
# 93271d7 with tail.diff applied (-DTAIL_BPS=0 for pers, 1, 2): nvcc -c csrc/<file>.cu -o _diag/<v>/<file>.o -O3
# -std=c++17 -Xcompiler -fPIC --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var37a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="pers tail1 tail2" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
for v in tail1; do
    (cp -r tests /tmp/v_$v/ && cd /tmp/v_$v && TURBOATTN_CUDA=1 timeout 250 python3 -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_$v.log 2>&1)
    echo "tests on $v: rc=$?"; tail -3 $OUT/tests_$v.log
done
