#!/bin/bash
# session 22 decode-v19 run 5 (H100): the whole GPU suite on the final tree (run 1's code and the multi-token causal
# step test). Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
OUT=$OUT STAGES="test" NO_BUILD=1 timeout 400 bash benchmarks/gpu_check.sh 2>&1 | tail -4
python3 -m pytest -q -p no:cacheprovider tests/test_decode_step.py -rA 2>&1 | grep -E "^(PASSED|FAILED|SKIPPED)" | sed 's/^/  /' > $OUT/step_tests.txt; wc -l < $OUT/step_tests.txt
