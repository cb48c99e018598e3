#!/bin/bash
# Session 43 run 5 (H200): the final tree (carry43d.tgz): take_tokens' 16-byte path for rows of any whole number of
# pieces (D = 80 and 96 had the element loop). The whole GPU suite and the sanitizers, then run 4's compress_prof.py.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 400 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
timeout 120 python3 benchmarks/results/decode-session43/run4/compress_prof.py 2>&1 | grep -v -i warn | tee $OUT/compress.txt
