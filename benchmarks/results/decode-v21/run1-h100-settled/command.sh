#!/bin/bash
# session 24 decode run 1 (H100): does decode.py's timing depend on what ran before, as prefill.py's did (NOTES-prefill
# v21)? decode.py with its five warm-ups (plain) and with --settled 1000 (each attention function called for 1 s
# before it is timed), alternating, twice each, on one machine. Tree: session 24's (decode kernels unchanged since
# session 21's record).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
for i in 1 2; do
  python3 benchmarks/decode.py --out $R/plain$i > $R/plain$i.log 2>&1; echo "plain$i rc=$? ($(( $(date +%s) - t0 )) s)"
  python3 benchmarks/decode.py --settled 1000 --out $R/settled$i > $R/settled$i.log 2>&1; echo "settled$i rc=$? ($(( $(date +%s) - t0 )) s)"
done
for f in plain1 settled1 plain2 settled2; do echo "== $f"; grep "^| [0-9]" $R/$f/decode.md; done
tar czf $OUT/run.tgz -C $OUT r
