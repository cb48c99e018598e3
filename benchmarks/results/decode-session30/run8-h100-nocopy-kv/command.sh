#!/bin/bash
# session 30 run 8 (H100): which phase's bytes cost the time? 9e83a19 (A) against the same tree with attn_decode_warp.o
# built from _diag/src7 (= csrc + diag-nocopy-kv.diff, sm_90a only; outputs wrong by design), in one process:
#   nocopyk: no key stage copies (the stage zeroed at the item's start), values copied as usual;
#   nocopyv: no value stage copies (the value phase reads the last key block's bytes), keys copied as usual.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)" | tee $O/log.txt
VARS="nocopyk nocopyv" FORMS=4s,2s ROUNDS=4 bash benchmarks/ab_variants.sh | tee $O/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)" | tee -a $O/log.txt
