#!/bin/bash
# Session 44 run 13 (H200): the same tree as run 12 (carry44f). Run 12 had one-block splits 5-10 % faster than the new
# plan's two at (1,32,8,4k) without residual rows (64 splits), and 15-19 % slower at 512 splits. Again, in two processes
# each, at short contexts (2k-8k tokens, 32 to 128 splits at one block), without and with 37 residual rows.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44f.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
P=benchmarks/results/decode-session42/run4/resplan.py
for round in 1 2; do
    timeout 100 python3 $P "1,32,8,2048;1,32,8,4096;1,32,8,8192;2,32,8,4096;1,8,1,8192" "1,2"
    RES_D=64 timeout 60 python3 $P "1,32,8,4096;1,32,4,4096;1,14,2,8192" "1,2"
done 2>&1 | grep -v -i warn > $OUT/short.txt
grep "us:" $OUT/short.txt | python3 -c "
import sys
for line in sys.stdin:
    tag, rest = line.split(' us: ')
    print(tag, [p.strip() for p in rest.split('|') if 'warp' not in p and 'cta' not in p])"
