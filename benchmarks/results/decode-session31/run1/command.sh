#!/bin/bash
# Session 31 run 1: the keys' L2 prefetch (pf_ahead) against be10aae (_baseline), both built from carried objects,
# in one process (abpf.py), then the GPU suite and sanitizers on the new tree.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry31.tgz
for b in attn_prefill kv_compress quant; do
    cp build/temp.linux-x86_64-cpython-312/cuda/$b.o _baseline/build/temp.linux-x86_64-cpython-312/cuda/
done
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { echo build failed; tail $OUT/build.log; }
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1) || echo base build failed
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
ABPF_FORMS=4s,2s python3 benchmarks/results/decode-session31/abpf.py _baseline . 4 2>&1 | grep -v -i warn | tee $OUT/abpf.txt
TURBOATTN_CUDA=1 OUT=$OUT/check NO_BUILD=1 STAGES="test" bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -3 $OUT/check.txt
