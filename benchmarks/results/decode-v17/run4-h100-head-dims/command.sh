#!/bin/bash
# session 20 decode-v17 run 4 (H100): the KV file with the new test_compression_is_byte_identical_at_other_head_dims
# (D = 16, 48, 96, 256 against the CPU, byte for byte). Tree ab7e8cb plus the test (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
