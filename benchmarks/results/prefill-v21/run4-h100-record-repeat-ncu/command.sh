#!/bin/bash
# session 24 run 4 (H100, a fresh machine): the committed tree (85fc1ee): prefill.py with its default method
# (every function after 1 s of its own calls) on a second machine, and ncu's raw metrics of the default SAS kernel
# at 4k (B = 8, D = 128, no mask) against session 23's run 7 (same launch, before v21).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $R/build.log
python3 benchmarks/prefill.py --out $R/prefill 2>&1 | grep "^N="; echo "prefill done ($(( $(date +%s) - t0 )) s)"
grep "^| [0-9]" $R/prefill/prefill.md
OUT=$R NOBUILD=1 VARIANTS=0 bash benchmarks/gpu_profile_prefill.sh
grep -E "smsp__inst_executed.sum |sm__inst_executed.sum " $R/ncu_prefill_v0.txt | sed 's/  */ /g'
echo "ncu done ($(( $(date +%s) - t0 )) s)"
tar czf $OUT/run.tgz -C $OUT r
