#!/bin/bash
# Session 39 run 8 (H200): nopdl (nopdl.diff): the warp kernel launched behind the residual image kernel without
# programmatic dependent launch, so that it starts once the image is written, with every CTA at once. Tree a29278e
# (carry39a.tgz), variant objects in var39d.tgz, timed against the tree in one process.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry39a.tgz && tar xzf build/var39d.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32805;1,32,32,32768;8,32,8,32805;16,32,8,8229;16,32,8,8250;2,32,4,32805;4,32,16,32805"
VARS="r39nopdl" FORMS=4s,2s,4e ROUNDS=6 LOGS=$OUT timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
