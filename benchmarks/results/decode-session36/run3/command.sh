#!/bin/bash
# Session 36 run 3: rcx (run 1) and rcxc (rcx, and the clamp counts of both phases found by one ballot per step
# byte, a loop round per clamping token group or channel with one shuffle; rcxc_on_rcx.diff) against the tree
# (034850a) in one process, then the KV, decode-step and graph test files on rcxc.
# The variants' warp objects (build/var36*.tgz, _diag/<v>/attn_decode_warp.o) were compiled here from 034850a with the
# run folders' patches applied in turn (rcx = run1/rcx.diff; rcxc, rcxs = rcx + run3's or run4's diff; rcxs2, rcxs3 =
# rcxs + run5's diffs), in that tree: nvcc -c csrc/attn_decode_warp.cu -o _diag/<v>/attn_decode_warp.o -O3 -std=c++17
# -Xcompiler -fPIC --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35f.tgz && tar xzf build/var36b.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="rcx rcxc" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
for v in rcxc; do
    (cp -r tests /tmp/v_$v/ && cd /tmp/v_$v && TURBOATTN_CUDA=1 timeout 250 python3 -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_$v.log 2>&1)
    echo "tests on $v: rc=$?"; tail -3 $OUT/tests_$v.log
done
