#!/bin/bash
# Session 41 run 3 (H200): run 2's tree was 4-6 % slower than 3614e93 at the four-row D = 128 shapes. This tree
# (carry41b.tgz) puts the few-row key ballot and the value clamp ballot back after the stage's wait, where 3614e93 had
# them; the same A/B against h40 (3614e93's warp object), 4 rounds.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41b.tgz
tar xzf build/var41a.tgz # _diag/h40/attn_decode_warp.o
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
ABN_SHAPES="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,64,8,32768" VARS="h40" FORMS=4s,2s ROUNDS=4 \
    LOGS=$OUT timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
