#!/bin/bash
# Session 43 run 11 (H200): the residual image's codes used as they are (carry43e.tgz: image_lines, no rebuild; run 10
# put half of a residual item's stall samples in rebuild_4x8). The whole GPU suite and the sanitizers, then run 9's
# one-block timelines and run 7's D = 256 ones, and where the residual rows go at D = 128 (resplan.py), to set
# against runs 7, 9 and session 42 run 4 (an A/B against 3f5773a's warp object in one process did not fit the
# device's 64 MiB transfer next to the carry).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 400 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -7 $OUT/check.txt
for d in 256 128; do
    RES_D=$d timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "1,16,16,64;1,16,8,64" 2>&1 | grep -v -i warn
    RES_D=$d TURBOATTN_DECODE_RESIDUAL=warp timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py \
        "1,16,16,64;1,16,8,64" 2>&1 | grep -v -i warn | grep "37 residual" | sed 's/^/forced warp: /'
done > $OUT/tl_small.txt
RES_D=256 timeout 60 python3 benchmarks/results/decode-session41/run8/kernels.py "1,16,8,32768;1,16,16,32768" 2>&1 \
    | grep -v -i warn > $OUT/tl256.txt
RES_D=128 timeout 120 python3 benchmarks/results/decode-session42/run4/resplan.py \
    "1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072" "" 2>&1 | grep -v -i warn > $OUT/resplan128.txt
cat $OUT/tl_small.txt $OUT/tl256.txt | cut -c1-300; grep "us:" $OUT/resplan128.txt
timeout 100 python3 benchmarks/decode.py --d 256 --configs "1,16,16,32768;1,16,8,32768;8,16,8,32768;1,16,8,131072" \
    --out $OUT/d256 2>&1 | grep -v -i warn | tail -5
timeout 100 python3 benchmarks/decode.py --out $OUT/d128 2>&1 | grep -v -i warn | tail -5
