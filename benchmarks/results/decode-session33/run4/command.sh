#!/bin/bash
# Session 33 run 4: the tree (88334a4) against L2 prefetches (prefetch.diff, attn_decode_warp.o; bulk prefetches
# of one block's codes, steps and zeros, three lanes one part each), in one process (ab_variants.sh: abn.py,
# 6 rounds):
#   vpf2, vpf4 - value blocks 1 .. 2 (4) of the split, issued just before the look-back (-DWD_VPF=2, 4);
#   kpf        - key blocks 0 and 1 of the split, issued right after the ticket (-DWD_VPF=0 -DWD_KPF=2);
#   vk         - both (-DWD_VPF=2 -DWD_KPF=2).
# Then the KV, decode-step and graph test files on vk.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry33d.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="vpf2 vpf4 kpf vk" FORMS=4s,2s,4e ROUNDS=6 timeout 330 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/abn.txt
cp -r tests /tmp/v_vk/ && cd /tmp/v_vk &&
    TURBOATTN_CUDA=1 timeout 200 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -4 | tee $OUT/tests_vk.txt
