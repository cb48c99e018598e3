#!/bin/bash
# session 28 run 1 (H100): the prologue experiments, modes 0-3 (exp_ab.py as of run 1: MODES = 0,1,2,3; bit 2 for 2-4 rows only)
# and the KV/step tests with both experiments on.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
for f in build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o build/old/attn_decode_warp.o; do
  echo "== $f"; cuobjdump --dump-resource-usage $f | grep -A1 "decode_warp_kernel" | grep -E "Function|REG" | paste - - | grep -o "decode_warp_kernelIL[^:]*\|REG:[0-9]*\|STACK:[0-9]*\|LOCAL:[0-9]*" | paste - - - - | sed 's/decode_warp_kernelIL//'
done > $O/resources.txt 2>&1
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
TURBOATTN_DECODE_EXP=3 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py > $O/pytest_exp3.log 2>&1; echo "pytest exp3 rc=$? ($(( $(date +%s) - t0 )) s)"; tail -2 $O/pytest_exp3.log
MODES=0,1,2,3 PYTHONPATH=$PWD python3 benchmarks/results/decode-session28/exp_ab.py $O 2>&1 | grep -v -i warn | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
