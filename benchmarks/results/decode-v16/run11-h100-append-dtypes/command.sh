#!/bin/bash
# session 19 run 11 (H100): test_append_chunks_of_any_size now also appends float32 tokens (4-byte rows through
# ta_take_tokens_cuda). Build (objects carried), then the CUDA KV file.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py -rA > $OUT/pytest.log 2>&1
echo "kv tests rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
grep "PASSED.*append_chunks" $OUT/pytest.log
