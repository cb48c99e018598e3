#!/bin/bash
# Session 36 run 2: where the few-row form's time goes on rcx (run 1's variant: the tree 034850a with
# _diag/src_rcx's warp object linked in), at (8,32,8,32k) and 4 bits: Nsight Compute's per-SASS counts and stall
# samples, the stall ratios, and the object's SASS with its inlined source lines (read with ncu_decode_lines.py,
# --csrc the variant's sources: rcx.diff of run 1 on 034850a).
# The variants' warp objects (build/var36*.tgz, _diag/<v>/attn_decode_warp.o) were compiled here from 034850a with the
# run folders' patches applied in turn (rcx = run1/rcx.diff; rcxc, rcxs = rcx + run3's or run4's diff; rcxs2, rcxs3 =
# rcxs + run5's diffs), in that tree: nvcc -c csrc/attn_decode_warp.cu -o _diag/<v>/attn_decode_warp.o -O3 -std=c++17
# -Xcompiler -fPIC --expt-relaxed-constexpr -lineinfo -gencode=arch=compute_90a,code=sm_90a -Icsrc
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35f.tgz && tar xzf build/var36a.tgz
cp _diag/rcx/attn_decode_warp.o build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
OUT=$OUT SHAPE="8 32 8 32768" BITS="4" MODE=source bash benchmarks/gpu_stalls_decode.sh
OUT=$OUT SHAPE="8 32 8 32768" BITS="4 2" MODE=stalls bash benchmarks/gpu_stalls_decode.sh
mkdir -p /tmp/cubins && (cd /tmp/cubins && cuobjdump -xelf all "$OLDPWD/_diag/rcx/attn_decode_warp.o" > $OUT/xelf.log 2>&1)
for f in /tmp/cubins/*sm_90a*.cubin; do
    nvdisasm -c -gi "$f" 2> $OUT/nvdisasm.err |
        awk '/^\/\/---.*\.text\./{keep = ($0 ~ /_Z18decode_warp_kernelILi128ELb0ELi3ELb0ELi[12]EEv8dec_argsi /)} keep' |
        gzip > $OUT/warp_kernel_128_one_few.lines.sass.gz
    echo "$f: $(zcat $OUT/warp_kernel_128_one_few.lines.sass.gz | wc -l) lines"
done
