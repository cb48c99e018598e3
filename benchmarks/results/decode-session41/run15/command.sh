#!/bin/bash
# Session 41 run 15 (H200): a candidate tree (carry41i.tgz, steps.diff, not kept): at D = 256 the plan takes at least five block steps when the
# warp kernel has residual rows (run 14: 2-3 block splits left the residual item the last to end). res256.py against
# forced blocks per split, the D = 256 record (decode.py), then the whole GPU suite and the sanitizers.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41i.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
R=benchmarks/results/decode-session41/run4/res256.py
timeout 200 python3 $R "1,16,8,16384;1,16,8,32768;1,16,16,32768;8,16,8,32768;1,8,4,32768;1,16,8,131072" "3,4,6,8" 2>&1 |
    grep -v -i warn | tee $OUT/d256.txt
timeout 120 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256rec 2>&1 | grep -v -i warn | tail -6
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 300 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
