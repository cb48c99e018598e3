#!/bin/bash
# Session 43 run 7 (H200): the final tree (carry43d.tgz). Where 37 residual rows cost 15-25 us at D = 256 (Gemma-like
# heads): the kernels of one call (session 41's kernels.py), and one call under the knobs and forced blocks per split
# (session 41's res256.py), at (1,16,8,32k) and (1,16,16,32k).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43d.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
S="1,16,8,32768;1,16,16,32768"
RES_D=256 timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "$S" 2>&1 | grep -v -i warn > $OUT/tl256.txt
RES_D=256 TURBOATTN_DECODE_RESIDUAL=cta timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "$S" 2>&1 \
    | grep -v -i warn | grep "37 residual" > $OUT/tl256_cta.txt
RES_D=256 timeout 100 python3 benchmarks/results/decode-session41/run4/res256.py "$S" "2,3,4,6" 2>&1 | grep -v -i warn > $OUT/res256.txt
RES_D=256 timeout 60 python3 benchmarks/results/decode-session42/run4/resplan.py "$S" "" 2>&1 | grep -v -i warn > $OUT/resplan256.txt
cat $OUT/tl256.txt $OUT/tl256_cta.txt $OUT/res256.txt $OUT/resplan256.txt | cut -c1-900
