#!/bin/bash
# session 19 run 2 (H100; a fresh machine): the record of f8a34d8 (free splits for softmax="exact" decode).
# First call: the whole GPU suite (the notebooks aside, as gpu_check.sh runs it); second call: decode.py.
# (Run 1 ran the sanitizer cases on the same kernels.)
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
if [[ ${PART:-suite} == suite ]]; then
  TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
  grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//' | head
  OUT=$OUT STAGES=test NO_BUILD=1 bash benchmarks/gpu_check.sh
else
  python3 benchmarks/decode.py --out $OUT > $OUT/decode.log 2>&1; echo "decode.py rc=$?"; tail -8 $OUT/decode.log
fi
