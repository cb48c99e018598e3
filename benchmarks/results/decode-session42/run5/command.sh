#!/bin/bash
# Session 42 run 5 (H200): the residual items build their head's image themselves (carry42c.tgz: dec_image_warp; with one
# row tile a head the plan puts the residual rows in the warp kernel). The decode tests, then resplan.py with the
# residual rows placed by the plan (now in the warp kernel, built by its warp), in the warp kernel behind the image
# kernel (the path before), and in the CTA kernel.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry42c.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 240 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_decode_accuracy.py \
    tests/test_cuda_graphs.py 2>&1 | tail -4
R=benchmarks/results/decode-session42/run4/resplan.py
RES_IMAGE=1 timeout 150 python3 $R "1,32,8,32768;1,32,32,32768;16,32,8,8192;8,32,8,32768;1,32,8,131072;1,64,8,32768" \
    "" 2>&1 | grep -v -i warn | tee $OUT/resplan4.txt
RES_IMAGE=1 timeout 100 python3 $R "1,32,8,32768;1,32,32,32768;16,32,8,8192" "" 2 2>&1 | grep -v -i warn |
    tee $OUT/resplan2.txt
RES_IMAGE=1 RES_D=256 timeout 100 python3 $R "1,16,8,16384;1,16,8,32768;1,16,16,32768;8,16,8,32768;1,8,4,32768" "" \
    2>&1 | grep -v -i warn | tee $OUT/resplan256.txt
timeout 60 python3 benchmarks/results/decode-session42/run4/hosttime.py "1,32,8,32768;1,32,32,32768" 2>&1 |
    grep -v -i warn | tee $OUT/hosttime.txt
