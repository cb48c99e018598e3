#!/bin/bash
# Session 41 run 11 (H200): the D = 256 one-row row at four CTAs an SM (128 registers) against the tree's three (168),
# in one process: the tree (carry41f.tgz) with TURBOATTN_DECODE_VARIANT=0, and the tree's warp object with a
# WD_ROW(256, false, 4, WD_ONE) row added (m4, var41m.tgz) with TURBOATTN_DECODE_VARIANT=1.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41f.tgz
tar xzf build/var41m.tgz # _diag/m4/attn_decode_warp.o
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
ABN_D=256 ABN_ENV="TURBOATTN_DECODE_VARIANT=0,1" ABN_SHAPES="1,16,16,32768;1,16,16,131072;4,16,16,8192;1,16,16,32805;1,32,32,32768" \
    VARS="m4" FORMS=4s,2s,4e ROUNDS=4 LOGS=$OUT timeout 200 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
