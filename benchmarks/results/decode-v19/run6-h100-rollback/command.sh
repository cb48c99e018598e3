#!/bin/bash
# session 22 decode-v19 run 6 (H100): the residual rows copied for a rollback only when the append can wrap the
# window (not for the step that fills it), and a test of both on a CUDA cache: the step tests, the CUDA KV file
# and decode_loop.py (GQA 4:1, both turboattn forms). Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_decode_step.py tests/test_cuda_kv.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
timeout 150 python3 benchmarks/decode_loop.py --out $OUT/gqa --methods turboattn,turboattn_step --hkv 8 2>&1 | grep -v -i warn | tee $OUT/loop.txt
