#!/bin/bash
# session 19 run 9 (H100): the final tree c2a6e8d. Build (objects carried), the whole GPU suite and the sanitizer
# cases (gpu_check.sh), then decode.py, the record.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
OUT=$OUT STAGES="test sanitize" NO_BUILD=1 bash benchmarks/gpu_check.sh
python3 benchmarks/decode.py --out $OUT > $OUT/decode.log 2>&1; echo "decode.py rc=$?"
tail -7 $OUT/decode.md
