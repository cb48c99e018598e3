#!/bin/bash
# Session 38 run 9: the final tree (run 6's plan2 kept, the self-built image of runs 7-8 not): the whole GPU suite and
# the sanitizers (memcheck, racecheck). carry38c.tgz holds its objects.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry38c.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 400 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -8 $OUT/check.txt
