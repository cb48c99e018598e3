#!/bin/bash
# session 19 run 5 (H100): the plan sends residual items that fit neither the warp kernel's last wave nor beside it
# to the warp kernel (a short wave of their own) instead of the CTA kernel. Build (objects carried), the CUDA KV
# file, then run 4's resid.py with the residual split where the new plan puts it, forced into the warp kernel and
# forced onto the CTA kernel, one process per setting, three rounds in rotated orders.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py -x > $OUT/pytest.log 2>&1
rc=$?; echo "kv tests rc=$rc: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
S=benchmarks/results/decode-v16/run4-h100-residual-kernels/resid.py
one() { if [ $1 = plan ]; then python3 $S plan$2; else TURBOATTN_DECODE_RESIDUAL=$1 python3 $S $1$2; fi 2>&1 | grep -v -i warn; }
i=0
for order in "plan warp cta" "warp cta plan" "cta plan warp"; do
  i=$((i + 1))
  for m in $order; do one $m $i; done
done | tee $OUT/resid.txt
