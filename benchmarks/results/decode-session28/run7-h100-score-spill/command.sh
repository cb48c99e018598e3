#!/bin/bash
# session 28 run 7 (H100): plans past the score store (up to twice its blocks, the rest of the scores in global memory) against
# f8ac377 (_baseline: `git archive aee9adc`, the same csrc with its own decode objects; the other objects are shared, same keys).
# Resources of both warp objects, the KV and decode-step tests, then abdec.py in alternating processes, 3 rounds.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $O/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cp -n build/temp.linux-x86_64-cpython-312/cuda/{attn_prefill,quant,kv_compress}.* _baseline/build/temp.linux-x86_64-cpython-312/cuda/
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $O/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
for f in build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o _baseline/build/temp.linux-x86_64-cpython-312/cuda/attn_decode_warp.o; do
  echo "== $f"; cuobjdump --dump-resource-usage $f | grep -A1 "decode_warp_kernel" | grep -o "decode_warp_kernelIL[^:]*\|REG:[0-9]*\|STACK:[0-9]*\|LOCAL:[0-9]*" | paste - - - - | sed 's/decode_warp_kernelIL//'
done > $O/resources.txt 2>&1
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider -x tests/test_cuda_kv.py tests/test_decode_step.py > $O/pytest_kv.log 2>&1
rc=$?; echo "kv tests rc=$rc: $(tail -1 $O/pytest_kv.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $O/pytest_kv.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-session28/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-session28/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
