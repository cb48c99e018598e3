#!/bin/bash
# Session 45 run 1 (H200): a decode step's first kernel beside take_tokens (carry45a.tgz, the working tree of the
# change). The step tests (new knob and strided-token cases) and the KV test file, then steppdl.py: a 32-layer loop
# of fused steps, the new order against TURBOATTN_DECODE_PDL=step0 (the order before) token by token.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry45a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
timeout 300 python3 -m pytest -q -x --tb=short tests/test_decode_step.py tests/test_cuda_kv.py 2>&1 | tail -40 > $OUT/tests.txt
cat $OUT/tests.txt
timeout 240 python3 benchmarks/results/decode-session45/run1/steppdl.py \
  "1,32,8,32768,128;1,32,32,32768,128;1,64,8,32768,128;8,32,8,32768,128;1,32,32,32768,96;1,14,2,32768,64;1,16,8,32768,256;1,32,8,131072,128,4,16" \
  2>&1 | grep -v -i warn > $OUT/steppdl.txt
cat $OUT/steppdl.txt
