#!/bin/bash
# Session 44 run 7 (H200): an upper bound for a residual image kept up to date by append(): a diagnostic build
# (carry44e: TA_DIAG_IMAGE_REUSE skips the image kernel when the call before built the image from the same rows; not
# committed). imgreuse.py at the issue's shapes, GQA 8:1 and D = 256.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
P=benchmarks/results/decode-session44/run7/imgreuse.py
{
timeout 150 python3 $P "1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,64,8,32768;8,64,8,32768;16,64,8,8192"
RES_D=256 timeout 100 python3 $P "1,16,8,32768;1,16,16,32768;8,16,8,32768"
RES_D=96 timeout 100 python3 $P "1,32,32,32768;16,32,8,8192"
} 2>&1 | grep -v -i warn > $OUT/reuse.txt
cat $OUT/reuse.txt
