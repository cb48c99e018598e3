#!/bin/bash
# session 20 decode-v17 run 6 (H100): run 5 with the order reversed (the new tree first in each round), because run 5 always ran the baseline first. Run 5: are decode steps unchanged by this session's work? (run 3's one-row 4-bit cell
# read 0.104 ms where session 19's record had 0.091 with the same kernels.) decode-v15/abdec.py (raw binding, forms in
# turns, 40 reps) in alternating processes, three rounds: _baseline/ = `git archive ba81132` (the session's start;
# its attn_prefill, quant and kv_compress objects carried, the rest copied on the machine) against bb38f86.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
cp -n build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/ 2>/dev/null
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$?"
grep -h "nvcc -c" $OUT/build.log $OUT/build_base.log | sed 's/ -o .*//'
export ABDEC_FORMS=4s,2s,4e
for i in 1 2 3; do
  PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/abdec.py new$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-v15/abdec.py base$i 2>&1 | grep -v -i warn
done | tee $OUT/abdec.txt
