#!/bin/bash
# session 27 run 4 (nvidia-h100-x1): the tree with l2_prefetch.diff applied (experiment scaffolding, not kept):
# does an L2 prefetch of a later block shorten the warp kernel's memory waits? ab.py on decode.py's shapes.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
python3 benchmarks/results/decode-session27/run4-h100-l2-prefetch/ab.py 2>&1 | tee $R/ab.txt
tar czf $OUT/run.tgz -C $OUT r
