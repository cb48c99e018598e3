#!/bin/bash
# Session 44 run 9 (H200): the final tree (carry44d). At D = 64 with GQA 7:1 and 8:1 (run 6: 0.85-1.08x SDPA, and
# the exact softmax 6-9 us faster than SAS) the plan picks few blocks per split, so hundreds of splits look back:
# does a longer split pay there? resplan.py with forced blocks per split, then the same with the exact softmax's
# free splits for comparison (EXACT is not a resplan.py option: decode.py's exact column is the reference).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
RES_D=64 timeout 200 python3 benchmarks/results/decode-session42/run4/resplan.py \
    "1,32,4,32768;1,14,2,32768;8,32,4,32768;1,32,4,131072" "1,2,3,4,6,8,12" 2>&1 | grep -v -i warn > $OUT/bps64.txt
grep "plan {" $OUT/bps64.txt | grep "no residual" | cut -c1-200
grep "us:" $OUT/bps64.txt | python3 -c "
import sys
for line in sys.stdin:
    tag, rest = line.split(' us: ')
    print(tag, [p.strip() for p in rest.split('|') if p.strip().startswith('none')])"
