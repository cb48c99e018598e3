#!/bin/bash
# session 26 (nvidia-h100-x1): did the session's host-side checks (capture refusal, cleared errors, the input range
# on every check) change the speed? decode.py (the record method) and prefill.py --settled 1000 on the final tree.
# Not an A/B in one process: compare with the records (results/decode.md, results/prefill.md) as another machine.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
python3 benchmarks/decode.py --out $R/decode > $R/decode.log 2>&1; echo "decode rc=$? ($(( $(date +%s) - t0 )) s)"; tail -8 $R/decode.log
python3 benchmarks/prefill.py --settled 1000 --no-ceilings --out $R/prefill 2>&1 | grep "^N=" | tee $R/prefill.txt; echo "prefill done ($(( $(date +%s) - t0 )) s)"
tar czf $OUT/run.tgz -C $OUT r
