#!/bin/bash
# Session 47 run 10 (H200): a Hopper-only build (TURBOATTN_CUDA_HOPPER_ONLY=1: sm_90a alone; carry47h.tgz, its
# objects, 12 MB against 36) of the final tree passes the whole GPU suite.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry47h.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 TURBOATTN_CUDA_HOPPER_ONLY=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
ls -la turboattn/_C*.so | tee $OUT/so_size.txt
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test" timeout 200 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 3 $OUT/check.txt
