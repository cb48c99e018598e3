#!/bin/bash
# Session 42 run 9 (H200): the final tree (carry42f.tgz: run 8's rotated key tile at D = 256 only): the whole GPU suite
# and the sanitizers, then against the tree before (_diag/i42: carry42d's attn_decode.o) with 37 residual rows.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42f.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 420 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
ABN_SHAPES="16,32,8,8229;1,32,32,32805" VARS="i42" FORMS=4s,2s ROUNDS=6 LOGS=$OUT timeout 150 bash benchmarks/ab_variants.sh \
    2>&1 | tee $OUT/ab128.txt | tail -3
ABN_D=256 ABN_SHAPES="1,16,8,16421;1,8,4,32805;1,16,16,32805;8,16,8,32805;1,16,8,131109" VARS="i42" FORMS=4s,2s ROUNDS=4 \
    LOGS=$OUT timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab256.txt | tail -6
