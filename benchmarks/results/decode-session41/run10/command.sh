#!/bin/bash
# Session 41 run 10 (H200): the final tree (carry41f.tgz: D = 256 in the warp kernel by halves, its residual rows there
# too): the whole GPU suite and the sanitizers (now with a D = 256 case), res256.py, and the D = 256 record (decode.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry41f.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 420 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
R=benchmarks/results/decode-session41/run4/res256.py
timeout 100 python3 $R "1,16,8,16384;1,16,8,32768;1,16,16,32768;8,16,8,32768;1,16,8,131072;1,8,4,32768" 2>&1 |
    grep -v -i warn | tee $OUT/d256.txt
timeout 120 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256rec 2>&1 | grep -v -i warn | tail -6
