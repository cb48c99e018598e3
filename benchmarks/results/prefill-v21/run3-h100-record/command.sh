#!/bin/bash
# session 24 run 3 (H100): the record of the v21 tree. prefill.py with every function in its own block after 1 s of
# calls to it alone (--settled 1000, the new record method: NOTES-prefill v21, run 2's settle.py), twice, and once
# with the earlier method (baselines in blocks after 3 warm-ups, turboattn's forms in turns) in between.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $R/build.log
python3 benchmarks/prefill.py --settled 1000 --out $R/settled1 2>&1 | grep "^N="; echo "settled1 done ($(( $(date +%s) - t0 )) s)"
python3 benchmarks/prefill.py --out $R/blocks 2>&1 | grep "^N="; echo "blocks done ($(( $(date +%s) - t0 )) s)"
python3 benchmarks/prefill.py --settled 1000 --no-ceilings --out $R/settled2 2>&1 | grep "^N="; echo "settled2 done ($(( $(date +%s) - t0 )) s)"
for f in settled1 blocks settled2; do echo "== $f"; grep "^| [0-9]" $R/$f/prefill.md; done
tar czf $OUT/run.tgz -C $OUT r
