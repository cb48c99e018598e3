#!/bin/bash
# session 20 run 11 (H100): the D = 128 table rows on causal calls (TURBOATTN_PREFILL_VARIANT: 0 the one-warpgroup
# default, 1 three warpgroups under a producer warp, 2 two warpgroups under a producer warp), in alternating
# processes, three rounds (prefill-v15/ab.py). Tree d26dc48 (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
export AB_SHOW=variant=TURBOATTN_PREFILL_VARIANT AB_CASES=128:4096:1,128:16384:1,128:4096:0
for i in 1 2 3; do
  for v in 0 1 2; do
    TURBOATTN_PREFILL_VARIANT=$v python3 benchmarks/results/prefill-v15/ab.py v$v-$i 2>&1 | grep -v warn
  done
done | tee $OUT/ab.txt
