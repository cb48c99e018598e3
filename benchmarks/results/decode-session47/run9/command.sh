#!/bin/bash
# Session 47 run 9 (H200): the final tree (carry47f.tgz: its objects but attn_prefill.o, built on the device). 8-bit
# caches at D = 128 now take the 8-bit one-row and few-row kernels (2 CTAs an SM) first. The whole GPU suite and the
# sanitizers; run 8's bits8_d128.py against variant 1 (the rows of every width, the default before).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47f.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 1: attn_prefill.cu
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 360 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 7 $OUT/check.txt
grep -E "ERROR SUMMARY|RACECHECK SUMMARY|rc=" /tmp/check/sanitizer.txt | tee $OUT/sanitizer_summary.txt
timeout 100 python3 benchmarks/results/decode-session47/run8/bits8_d128.py --variant 1 --out $OUT 2>&1 | grep -v -i warn
