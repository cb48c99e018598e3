#!/bin/bash
# Session 42 run 1 (H200): where an 8-row item's instructions go. Nsight Compute source counters of the warp kernel on
# the final tree of session 41 (carry41h.tgz) at GQA 8:1 (1,64,8,32k: the two-quad few-row form, WD_FEW8) and 4:1
# (1,32,8,32k: WD_FEW), 4 and 2 bits, read with benchmarks/ncu_decode_lines.py against the same objects' SASS.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41h.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
for shape in "1 64 8 32768" "1 32 8 32768"; do
    tag=$(echo $shape | cut -d' ' -f2)
    OUT=$OUT/h$tag SHAPE="$shape" BITS="4 2" MODE=source timeout 200 bash benchmarks/gpu_stalls_decode.sh
    OUT=$OUT/h$tag SHAPE="$shape" BITS="4 2" timeout 120 bash benchmarks/gpu_stalls_decode.sh
done
# h64's source counters did not come back from this call (8 files at most); they come from a second call on the same
# build: OUT=$OUT/h64 SHAPE="1 64 8 32768" BITS="4 2" MODE=source bash benchmarks/gpu_stalls_decode.sh, then the stalls
# mode again. Read (here, on the objects of carry41h.tgz): cuobjdump -xelf all attn_decode_warp.o; nvdisasm -c -gi
# attn_decode_warp.sm_90a.cubin | gzip > lines.sass.gz; python3 benchmarks/ncu_decode_lines.py lines.sass.gz
# _Z18decode_warp_kernelILi128ELb0ELi3ELb0ELi3EEv8dec_argsi h64/source_sass_4.csv.gz 4096 [--samples]
