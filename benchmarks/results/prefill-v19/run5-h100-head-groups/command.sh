#!/bin/bash
# session 23 run 5 (H100, the machine of run 4 with its build): the causal head groups (TURBOATTN_PREFILL_HEAD_GROUP)
# again, now that the default D = 128 row runs four CTAs per SM (528 slots instead of 396). Whole calls of the
# tree in alternating processes (prefill-v15/ab.py), two rounds of groups 1, 4, 8 (the 4k default), 16 and 32 at 4k
# causal, and 1, 2 (the 16k default), 4 at 16k causal.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD AB_SHOW=group=TURBOATTN_PREFILL_HEAD_GROUP
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
for i in 1 2; do
  for g in 1 4 8 16 32; do AB_CASES=128:4096:1 TURBOATTN_PREFILL_HEAD_GROUP=$g python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
  for g in 1 2 4; do AB_CASES=128:16384:1 TURBOATTN_PREFILL_HEAD_GROUP=$g python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $OUT/ab.txt
