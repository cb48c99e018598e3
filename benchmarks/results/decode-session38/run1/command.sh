#!/bin/bash
# Session 38 run 1: what the residual rows cost, and which part. The tree (0a9983d) against two diagnostic
# attn_decode.o in one process, on the four benchmark shapes with 0 and 37 residual rows, 4 and 2 bits with SAS:
#   noimg: the image kernel skipped when the same residual rows were imaged by the call before (outputs bit-equal);
#   nores: the residual rows left out altogether (outputs differ by design: the ceiling of any residual change).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry36b.tgz && tar xzf build/var38a.tgz
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
export ABN_SHAPES="1,32,32,32768;1,32,32,32805;8,32,8,32768;8,32,8,32805;16,32,8,8192;16,32,8,8229;1,32,8,131072;1,32,8,131109"
VARS="r38noimg r38nores" FORMS=4s,2s ROUNDS=6 LOGS=$OUT bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
