#!/bin/bash
# Session 45 run 3 (H200): take_tokens itself a programmatic dependent launch behind the kernel before it (it waits
# for that grid, then lets the step's first decode kernel start), the combine letting it be placed early (carry45b).
# The step and KV test files; then the 32-layer loop of fused steps (run 1's steppdl.py) with three settings token
# by token: both launches so (new), take_tokens after the kernel before it (take0: run 1's tree), and the order
# before session 45 (step0).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry45b.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
timeout 200 python3 -m pytest -q -x --tb=short tests/test_decode_step.py tests/test_cuda_kv.py 2>&1 | tail -n 3 > $OUT/tests.txt
cat $OUT/tests.txt
STEP_SETTINGS="both:,take0:take0,after:step0" timeout 300 python3 benchmarks/results/decode-session45/run1/steppdl.py \
  "1,32,8,32768,128;1,32,32,32768,128;1,64,8,32768,128;8,32,8,32768,128;1,32,32,32768,96;1,14,2,32768,64;1,16,8,32768,256;1,32,8,131072,128,4,16" \
  2>&1 | grep -v -i warn > $OUT/steppdl.txt
cat $OUT/steppdl.txt
