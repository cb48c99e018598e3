#!/bin/bash
# Session 46 run 5 (H200), the tree of run 1 (carry46a.tgz): where a B = 1 decode step's GPU time goes. timeline.py
# of four fused steps back to back at GQA 4:1 (1,32,8,32k + 20) and MHA (1,32,32,32k + 20), and of one attention call
# at (1,32,8,32k).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
for a in "step 1 32 8 32788" "step 1 32 32 32788" "decode 1 32 8 32768"; do
    f=$(echo $a | tr ' ' _)
    timeout 120 python3 benchmarks/timeline.py $a > $OUT/$f.txt 2>&1
    head -n 1 $OUT/$f.txt; grep -v " host " $OUT/$f.txt | sed -n 2,14p
done
