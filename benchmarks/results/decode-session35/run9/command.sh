#!/bin/bash
# Session 35 run 9: the SASS of the warp kernel with its source lines (nvdisasm line info, inlined frames too), to
# put run 8's per-instruction counts on csrc's functions (ncu's own per-line export holds one file only).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry35a.tgz
mkdir -p /tmp/cubins && cd /tmp/cubins && cuobjdump -xelf all "$OLDPWD/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o" > $OUT/xelf.log 2>&1
ls -la /tmp/cubins | tee -a $OUT/xelf.log
for f in /tmp/cubins/*.cubin; do
    nvdisasm --help 2>&1 | grep -i -E "line-info|inline" | head -5 >> $OUT/xelf.log
    nvdisasm -c -gi "$f" 2> $OUT/nvdisasm.err | gzip > $OUT/$(basename "$f").lines.sass.gz ||
        nvdisasm -c -g "$f" | gzip > $OUT/$(basename "$f").lines.sass.gz
    echo "$f: $(zcat $OUT/$(basename "$f").lines.sass.gz | wc -l) lines"
done
# Kept in the repository (locally, afterwards): the sections of the two profiled kernels, the one-row and few-row
# forms at D = 128, of the sm_90a listing:
# zcat attn_decode_warp.sm_90a.cubin.lines.sass.gz | awk '/^\/\/---.*\.text\./{keep = ($0 ~ /_Z18decode_warp_kernelILi128ELb0ELi3ELb0ELi[12]EEv8dec_argsi /)} keep' | gzip > warp_kernel_128_one_few.lines.sass.gz
