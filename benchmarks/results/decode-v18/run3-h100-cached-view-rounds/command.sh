#!/bin/bash
# session 21 decode-v18 run 3 (H100): run 2's A/B again with five rounds (order reversed each round), the public call
# beside the raw binding (decode-v15's abdec.py, forms 4s,4s/api,2s), decode_host_parts.py in both trees (run 2's
# baseline lacked decode.py beside it), and prefill-v17 run 13's compress_kernels.py (its first line: the call's
# CUDA-event median). Tree: run 2's. _baseline/ = `git archive 0837a98 csrc turboattn setup.py pyproject.toml`.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
mkdir -p _baseline/build/temp.linux-x86_64-cpython-312/cuda _baseline/benchmarks
cp --update=none build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
cp benchmarks/*.py _baseline/benchmarks/  # decode_host_parts.py imports the tree above it
R=benchmarks/results
for i in 1 2 3 4 5; do
  if [ $((i % 2)) = 1 ]; then order="_baseline ."; else order=". _baseline"; fi
  for tree in $order; do
    name=$([ $tree = . ] && echo new || echo base)
    echo "== $name $i"
    PYTHONPATH=$PWD/$tree ABDEC_FORMS=4s,4s/api,2s python3 $R/decode-v15/abdec.py $name 2>&1 | grep -v -i warn
    PYTHONPATH=$PWD/$tree python3 $tree/benchmarks/decode_host_parts.py 2>&1 | grep -v -i warn | head -1
    PYTHONPATH=$PWD/$tree python3 $R/prefill-v17/run13-h100-compress-kernels/compress_kernels.py 2>&1 | grep -v -i warn | head -1
  done
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
