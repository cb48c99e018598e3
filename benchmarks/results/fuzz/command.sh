#!/bin/bash
# session 26 (nvidia-h100-x1): random CUDA calls against the CPU path (benchmarks/results/fuzz/gpu_fuzz.py), 4 seeds.
set -uo pipefail
cd "$(dirname "$0")/../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$?"
for s in 1 2 3 4; do timeout 120 python3 benchmarks/results/fuzz/gpu_fuzz.py $s 250 > $R/fuzz_$s.txt 2>&1; echo "seed $s rc=$?"; grep -v "^$" $R/fuzz_$s.txt | grep -v Warning | tail -6; done
tar czf $OUT/run.tgz -C $OUT r
