#!/bin/bash
# Session 44 run 11 (H200): the final tree (carry44d). Runs 9-10 found the plan's blocks per split 10-22 % slower than
# 3-4 blocks at small shapes when a call has residual rows (most calls do), and one-block splits slower than two
# without them. Before changing the plan's rule: forced blocks per split, with and without 37 residual rows, over more
# small and middle shapes (larger batches at 1k-4k tokens, MHA, one KV head), to judge a rule against all of them.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry44d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
P=benchmarks/results/decode-session42/run4/resplan.py
{
timeout 250 python3 $P "16,32,8,1024;8,32,8,2048;4,32,8,4096;32,32,8,1024;8,32,32,2048;1,32,32,4096;1,32,8,16384;4,64,8,4096;1,8,1,8192;1,8,1,65536;2,32,32,8192;1,32,8,2048" "1,2,3,4,5,6,8"
RES_D=64 timeout 100 python3 $P "1,32,8,4096;4,32,8,4096;1,32,4,8192" "1,2,3,4,5,6,8"
} 2>&1 | grep -v -i warn > $OUT/bps.txt
grep -c "us:" $OUT/bps.txt
