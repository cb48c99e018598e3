#!/bin/bash
# Session 40 run 1 (H200): head dim 64. d64 (d64.diff: the one-row and few-row forms given D = 64 rows in the warp
# kernel's table; until now D = 64 ran the general form only) timed against the tree in one process (abn.py,
# ABN_D=64), decode.py at D = 64 on d64 (d64/), then d64's KV, decode-step and graph tests. Objects of d64 in
# var40a.tgz on the tree's carry39a.tgz.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry39a.tgz && tar xzf build/var40a.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
C="1,32,32,32768;8,32,8,32768;16,32,8,8192;1,32,8,131072;1,32,8,32768"
export ABN_D=64 ABN_SHAPES="$C;1,32,32,32805;8,32,8,32805;4,32,16,32768"
VARS="d64" FORMS=4s,2s,4e ROUNDS=4 LOGS=$OUT timeout 240 bash benchmarks/ab_variants.sh 2>&1 | tee $OUT/ab.txt
mkdir -p /tmp/v_d64/benchmarks && cp benchmarks/*.py /tmp/v_d64/benchmarks/ && cp -r tests /tmp/v_d64/ && cd /tmp/v_d64 &&
    timeout 150 python3 benchmarks/decode.py --d 64 --configs "$C" --out $OUT/d64 2>&1 | grep -v -i warn | tail -12
TURBOATTN_CUDA=1 timeout 170 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py tests/test_cuda_graphs.py 2>&1 | tail -3 | tee $OUT/tests.txt
