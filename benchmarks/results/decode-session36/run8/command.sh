#!/bin/bash
# Session 36 run 8: where the final tree's one-row and few-row forms stall now, at (1,32,32,32k) and (8,32,8,32k),
# 4 bits: Nsight Compute's per-SASS counts and stall samples, and the tree's SASS with its inlined source lines
# (read with benchmarks/ncu_decode_lines.py [--samples], --csrc the csrc of 9d8e615, e.g. from git show).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
for shape in "1 32 32 32768" "8 32 8 32768"; do
    mkdir -p "$OUT/${shape// /_}"
    OUT="$OUT/${shape// /_}" SHAPE="$shape" BITS="4" MODE=source bash benchmarks/gpu_stalls_decode.sh
done
mkdir -p /tmp/cubins && (cd /tmp/cubins && cuobjdump -xelf all "$OLDPWD/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o" > $OUT/xelf.log 2>&1)
for f in /tmp/cubins/*sm_90a*.cubin; do
    nvdisasm -c -gi "$f" 2> $OUT/nvdisasm.err |
        awk '/^\/\/---.*\.text\./{keep = ($0 ~ /_Z18decode_warp_kernelILi128ELb0ELi3ELb0ELi[12]EEv8dec_argsi /)} keep' |
        gzip > $OUT/warp_kernel_128_one_few.lines.sass.gz
    echo "$f: $(zcat $OUT/warp_kernel_128_one_few.lines.sass.gz | wc -l) lines"
done
