#!/bin/bash
# Session 46 run 11 (H200): the plan puts the residual rows in the warp kernel when items are short (6 blocks or
# fewer; carry46e.tgz: the objects of this tree). The whole GPU suite and the sanitizers; then the loop of fused
# steps (run 6's stepres.py), the new plan against the rule before (TURBOATTN_DECODE_RESIDUAL=slack), token by token.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry46e.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 7 $OUT/check.txt
S="1,32,8,32768,128;1,32,8,16384,128;1,32,32,16384,128;2,32,8,16384,128;1,32,8,131072,128,4,16"
STEP_SETTINGS="plan:,slack:slack" timeout 200 python3 benchmarks/results/decode-session46/run6/stepres.py "$S" 2>&1 | grep -v -i warn | tee $OUT/stepres.txt
