#!/bin/bash
# session 19 run 1, later calls (same warm machine; . built by command.sh): the baseline's and A's builds, then
# three A/B rounds, each one process per tree in turn (base = 21a0314, A = free splits, AB = A + codes against the
# block maximum).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
for t in _baseline _treeA; do
  mkdir -p $t/build/temp.linux-x86_64-cpython-312/cuda
  cp build/temp.linux-x86_64-cpython-312/cuda/{attn_prefill,kv_compress,quant}.* $t/build/temp.linux-x86_64-cpython-312/cuda/
  (cd $t && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build$t.log 2>&1); echo "$t build rc=$?"
  grep -h "nvcc -c" $OUT/build$t.log | sed 's/ -o .*//' | head
done
for i in ${ROUNDS:-1 2 3}; do
  PYTHONPATH=$PWD/_baseline ABDEC_FORMS=4s,4e,2e python3 benchmarks/results/decode-v15/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD/_treeA ABDEC_FORMS=4s,4e,2e python3 benchmarks/results/decode-v15/abdec.py A$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD ABDEC_FORMS=4s,4e,2e python3 benchmarks/results/decode-v15/abdec.py AB$i 2>&1 | grep -v -i warn
done | tee $OUT/ab.txt
