#!/bin/bash
# session 29 run 2 (H100): keys at 4 and 2 bits with the rows of each channel quad interleaved (ta_kv_key_row) against
# HEAD 7cc02aa (_baseline: `git archive 7cc02aa` with its own five CUDA objects). The whole GPU suite and the
# sanitizers on the new tree, resources of both warp objects, then abdec.py in alternating processes, 3 rounds.
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
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-session28/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-session28/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $O/ab.txt
python3 benchmarks/results/decode-session29/abstat.py $O/ab.txt | tee $O/ab_means.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
