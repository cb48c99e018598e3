#!/bin/bash
# session 19 run 4 (H100): where a step's residual split (37 rows) costs most. f8a34d8's build (objects carried);
# resid.py with the residual split where the plan puts it, forced into the warp kernel, and forced onto the CTA
# kernel, one process per setting, alternating, two rounds.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
S=benchmarks/results/decode-v16/run4-h100-residual-kernels/resid.py
for i in 1 2; do
  python3 $S plan$i 2>&1 | grep -v -i warn
  TURBOATTN_DECODE_RESIDUAL=warp python3 $S warp$i 2>&1 | grep -v -i warn
  TURBOATTN_DECODE_RESIDUAL=cta python3 $S cta$i 2>&1 | grep -v -i warn
done | tee $OUT/resid.txt
