#!/bin/bash
# Session 42 run 10 (H200): the final tree (carry42g.tgz): q's vector loads and the residual rows' 8-value loads through
# one helper (dec_load_vec), the whole GPU suite and the sanitizers, then against 867542a's warp object (_diag/g42,
# sm_90a) in one process, bit for bit.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42g.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 420 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
ABN_SHAPES="1,32,32,32768;1,32,8,32768;1,64,8,32768;16,32,8,8192" VARS="g42" FORMS=4s,2s ROUNDS=4 LOGS=$OUT \
    timeout 150 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab128.txt | tail -5
ABN_D=256 ABN_SHAPES="1,16,16,32768;1,16,8,32768" VARS="g42" FORMS=4s ROUNDS=4 LOGS=$OUT timeout 100 \
    bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab256.txt | tail -3
