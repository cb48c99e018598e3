#!/bin/bash
# session 19 run 6 (H100): the final tree 9fd2702. Build (objects carried), the whole GPU suite and the sanitizer
# cases (gpu_check.sh), then decode.py twice (the record is the first unless it has an outlier).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
OUT=$OUT STAGES="test sanitize" NO_BUILD=1 bash benchmarks/gpu_check.sh
for i in 1 2; do
  mkdir -p $OUT/decode$i
  python3 benchmarks/decode.py --out $OUT/decode$i > $OUT/decode$i/decode.log 2>&1; echo "decode.py $i rc=$?"
  tail -6 $OUT/decode$i/decode.md
done
