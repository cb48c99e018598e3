#!/bin/bash
# session 29 run 8 (H100): the value rows interleaved by token quads (ta_kv_value_at) on top of the key quads: the whole
# GPU suite and the sanitizers on the new tree, resources of both warp objects, then an A/B in one process
# (abinproc.py, 6 rounds) against 833960a (_baseline: `git archive 833960a` with its own objects).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry29.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
for f in build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o _baseline/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o; do
  echo "== $f"; cuobjdump --dump-resource-usage $f | grep -A1 "decode_warp_kernel" | grep -o "decode_warp_kernelIL[^:]*\|REG:[0-9]*\|STACK:[0-9]*\|LOCAL:[0-9]*" | paste - - - - | sed 's/decode_warp_kernelIL//'
done > $O/resources.txt 2>&1
TURBOATTN_CUDA=1 OUT=$O/check NO_BUILD=1 STAGES="test sanitize" bash benchmarks/gpu_check.sh 2>&1 | tail -12
echo "checks done ($(( $(date +%s) - t0 )) s)"
ABDEC_FORMS=4s,2s,4e python3 benchmarks/results/decode-session29/abinproc.py $PWD/_baseline $PWD 6 2>&1 | grep -v -i warn | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
