#!/bin/bash
# Session 37 run 4: where run 3's skip2 loses. sk3 (sk3.diff): skip2 with the block loop kept a counted loop, each
# skipped block one test and a cursor step, the next needed block's cursor formed only when it is not the next one.
# sk3n: sk3 built with -DSKIP_NONE (no block ever skipped: the loop's cost alone). Against the tree (93271d7) and
# skip2 in one process; then the KV, decode-step and graph test files on sk3.
# Objects (build/var37c.tgz, build/var37d.tgz: _diag/<v>/attn_decode_warp.o) compiled from 93271d7 with the diffs
# applied: nvcc -c csrc/attn_decode_warp.cu -o _diag/<v>/attn_decode_warp.o -O3 -std=c++17 -Xcompiler -fPIC
# --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc [-DSKIP_NONE]
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var37c.tgz && tar xzf build/var37d.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
VARS="skip2 sk3 sk3n" FORMS=4s,2s,4e ROUNDS=8 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
for v in sk3; do
    (cp -r tests /tmp/v_$v/ && cd /tmp/v_$v && TURBOATTN_CUDA=1 timeout 250 python3 -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py > $OUT/tests_$v.log 2>&1)
    echo "tests on $v: rc=$?"; tail -3 $OUT/tests_$v.log
done
