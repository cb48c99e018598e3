#!/bin/bash
# Session 43 run 2 (H200): head dims 80 and 96 with the residual rows in the warp kernel too (a D = 128 image with zero
# channels past D; carry43b.tgz): the KV test file, where the residual rows end soonest at D = 96 and 80 (resplan.py:
# the plan's placement, the warp kernel, the CTA kernel), then decode.py at the issue's four shapes with D = 96 and 80.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry43b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 240 python3 -m pytest -q -x tests/test_cuda_kv.py > $OUT/kv_tests.txt 2>&1
tail -4 $OUT/kv_tests.txt
S="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072"
RES_D=96 timeout 120 python3 benchmarks/results/decode-session42/run4/resplan.py "$S" "" 2>&1 | grep -v -i warn > $OUT/resplan96.txt
RES_D=80 timeout 120 python3 benchmarks/results/decode-session42/run4/resplan.py "$S" "" 2>&1 | grep -v -i warn > $OUT/resplan80.txt
tail -12 $OUT/resplan96.txt
timeout 150 python3 benchmarks/decode.py --d 96 --out $OUT/d96 2>&1 | grep -v -i warn | tail -6
timeout 150 python3 benchmarks/decode.py --d 80 --out $OUT/d80 2>&1 | grep -v -i warn | tail -6
