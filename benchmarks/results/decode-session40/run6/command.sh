#!/bin/bash
# Session 40 run 6 (H200): items of 5 to 7 rows (GQA 5:1 and 7:1, as in 40-over-8 and 28-over-4-head models) on the
# final tree (general row there; carry40b.tgz) against run 4's few8d, which gives them the two-quad few-row form with
# rows_alloc rounded to 8 (var40d.tgz). D = 128, in one process.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40b.tgz && tar xzf build/var40d.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="4,40,8,32768;4,48,8,32768;4,56,8,32768;1,28,4,32768;1,40,8,32768;1,56,8,131072;1,64,8,32768"
VARS="few8d" FORMS=4s,2s,4e ROUNDS=4 LOGS=$OUT timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
