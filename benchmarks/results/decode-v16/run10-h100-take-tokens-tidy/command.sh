#!/bin/bash
# session 19 run 10 (H100): ta_take_tokens_cuda with its k/v shape check moved out of the per-array loop (a
# tidy-up of c2a6e8d). Build (objects carried), the CUDA KV file, the sanitizer cases, append_parts.py once.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py -x > $OUT/pytest.log 2>&1
rc=$?; echo "kv tests rc=$rc: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 170 bash benchmarks/gpu_check.sh 2>&1 | tail -4
python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn | tee $OUT/append.txt
