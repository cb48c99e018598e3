#!/bin/bash
# Session 45 run 2 (H200): the committed tree of the step's first kernel beside take_tokens (carry45a.tgz: its
# objects). The whole GPU suite and the sanitizers; then the host's share of a decode call (hostcost.py).
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry45a.tgz
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
TURBOATTN_CUDA=1 OUT=/tmp/check NO_BUILD=1 STAGES="test sanitize" timeout 330 bash benchmarks/gpu_check.sh > $OUT/check.txt 2>&1
tail -n 7 $OUT/check.txt
timeout 150 python3 benchmarks/results/decode-session45/run2/hostcost.py 2>&1 | grep -v -i warn > $OUT/hostcost.txt
cat $OUT/hostcost.txt
