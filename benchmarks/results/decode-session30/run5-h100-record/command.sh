#!/bin/bash
# session 30 run 5 (H100): the record of the final tree (decode.py, results/decode.md), then how far the warp kernel
# is from its instructions' time now: the tree against the same tree with attn_decode_warp.o built with
# -DTA_DIAG_NOCOPY (run 1's diagnostic, run1-h100-upper-bounds/diag-session30.diff applied to 9e83a19's csrc: no stage copies, the stage
# zeroed once; outputs wrong by design), in one process (abinproc.py). Few files under $OUT: run 4's decode.md did
# not come back (too many files).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
O=$OUT/out; mkdir -p $O
t0=$(date +%s)
tar xzf build/carry30.tgz
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > $O/log.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)" | tee -a $O/log.txt
python3 benchmarks/decode.py --out $O/decode > /tmp/decode.log 2>&1; echo "decode.py rc=$? ($(( $(date +%s) - t0 )) s)" | tee -a $O/log.txt
VARS=nocopy2 FORMS=4s,2s ROUNDS=4 bash benchmarks/ab_variants.sh | tee $O/ab_nocopy.txt
echo "all done ($(( $(date +%s) - t0 )) s)" | tee -a $O/log.txt
