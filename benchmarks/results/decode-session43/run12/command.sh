#!/bin/bash
# Session 43 run 12 (H200): the final tree against 3f5773a's warp object (_v43/p43: the tree before the residual image's
# codes were used as they are) in one process. To fit the device's 64 MiB transfer both warp objects are sm_90a only:
# carry43s.tgz is carry43e's objects with attn_decode_warp.o compiled for sm_90a alone (same sources and flags but
# the target list; its key stamp is the full build's, so setup.py links it as it is).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43s.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
mkdir -p _diag && cp -r _v43/p43 _diag/
ABN_SHAPES="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,32,32,32805;16,32,8,8229" VARS="p43" \
    FORMS=4s,2s ROUNDS=3 LOGS=/tmp timeout 130 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab128.txt | tail -7
ABN_D=256 ABN_SHAPES="1,16,16,32768;1,16,8,32768;1,16,16,32805;1,16,8,32805;8,16,8,32805" VARS="p43" \
    FORMS=4s,2s ROUNDS=3 LOGS=/tmp timeout 130 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab256.txt | tail -6
