#!/bin/bash
# Session 44 run 12 (H200): the plan's floor on blocks per split (carry44f: at least 2 blocks an item, 4 with residual
# rows). The whole GPU suite and the sanitizers; then, in one process, the new plan against the old plan's choices
# (1 or 2 blocks a split at these shapes, forced) with and without 37 residual rows (resplan.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44f.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
P=benchmarks/results/decode-session42/run4/resplan.py
{
timeout 150 python3 $P "1,32,8,4096;1,32,8,8192;1,8,1,32768;1,32,32,4096;4,32,8,4096;16,32,8,1024;1,32,8,16384;1,32,32,32768;8,32,8,32768" "1,2"
RES_D=64 timeout 60 python3 $P "1,14,2,32768;1,32,8,4096" "1,2"
} 2>&1 | grep -v -i warn > $OUT/plan.txt
grep "us:" $OUT/plan.txt | python3 -c "
import sys
for line in sys.stdin:
    tag, rest = line.split(' us: ')
    print(tag, [p.strip() for p in rest.split('|') if 'warp' not in p and 'cta' not in p])"
