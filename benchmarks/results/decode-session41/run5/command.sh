#!/bin/bash
# Session 41 run 5 (H200): the plan keeps one CTA slot an SM free when D = 256 has residual rows (carry41c.tgz):
# run 4's res256.py again, then decode.py at D = 256.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
R=benchmarks/results/decode-session41/run4/res256.py
timeout 150 python3 $R "1,16,8,32768;1,16,16,32768;8,16,8,32768;1,16,8,131072" "4,8" 2>&1 | grep -v -i warn | tee $OUT/d256.txt
timeout 120 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256rec 2>&1 | grep -v -i warn | tail -6
