#!/bin/bash
# Session 44 run 10 (H200): the final tree (carry44d). Run 9 found one-block splits (the plan's choice at D = 64,
# (1,14,2,32k)) 17 % slower than two-block ones. Where does the plan pick 1 or 2 blocks a split at D = 128 (B = 1, 4k
# to 8k tokens; one KV head of a tensor-parallel 70B shard), and do longer splits pay there too? resplan.py with
# forced blocks per split at 4 bits, and at D = 64 again with 2 bits.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
P=benchmarks/results/decode-session42/run4/resplan.py
{
timeout 200 python3 $P "1,32,8,8192;1,32,8,4096;1,8,1,32768;1,8,1,131072;1,32,32,8192;2,32,8,8192;1,64,8,8192" "1,2,3,4,6"
RES_D=64 timeout 100 python3 $P "1,14,2,32768;1,32,4,32768;1,32,8,8192" "1,2,3,4" 2
} 2>&1 | grep -v -i warn > $OUT/bps.txt
grep "plan {" $OUT/bps.txt | grep "no residual" | cut -c1-200
grep "us:" $OUT/bps.txt | python3 -c "
import sys
for line in sys.stdin:
    tag, rest = line.split(' us: ')
    print(tag, [p.strip() for p in rest.split('|') if p.strip().startswith('none') or p.strip().startswith('37, plan') or p.strip().startswith('37 bps')])"
