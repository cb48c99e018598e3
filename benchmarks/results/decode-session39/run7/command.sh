#!/bin/bash
# Session 39 run 7 (H200): the final tree a29278e (fs kept; thin and few not), objects in carry39a.tgz: the
# sanitizers (memcheck, racecheck), then the record (decode.py) in two processes.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
tar xzf build/carry39a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
uname -r; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="sanitize" timeout 280 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1; tail -4 $OUT/check.txt
for i in 1 2; do
    timeout 120 python3 benchmarks/decode.py --out $OUT/decode$i 2>&1 | grep -v -i warn | tail -6
done
