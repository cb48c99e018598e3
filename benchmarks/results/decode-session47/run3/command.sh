#!/bin/bash
# Session 47 run 3 (H200): the final tree (carry47c.tgz: its objects). 8-bit caches with 2 or more rows a KV head at
# D = 80, 96, 112 and 256 on the warp kernel's 8-bit few-row kernels, all at 2 CTAs an SM. The whole GPU suite and the
# sanitizers; run 1's bits8_few.py (against the CTA kernel and SDPA).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 360 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 7 $OUT/check.txt
grep -E "ERROR SUMMARY|RACECHECK SUMMARY|rc=" /tmp/check/sanitizer.txt | tee $OUT/sanitizer_summary.txt
timeout 120 python3 benchmarks/results/decode-session47/run1/bits8_few.py --trial-dim 0 --name bits8_final --out $OUT 2>&1 | grep -v -i warn
