#!/bin/bash
# session 19 run 7 (H100): where the four-row (GQA 4:1) warp kernel's time goes, against the one-row form.
# Build (objects carried), then ncu source counters of decode_warp_kernel at 4 bits for (16,32,8,8k) and
# (1,32,32,32k), read by benchmarks/ncu_decode_regions.py.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
for shape in "16 32 8 8192" "1 32 32 32768"; do
  tag=$(echo $shape | tr ' ' x)
  OUT=$OUT/$tag SHAPE="$shape" BITS=4 MODE=source bash benchmarks/gpu_stalls_decode.sh
  OUT=$OUT/$tag SHAPE="$shape" BITS=4 MODE=stalls bash benchmarks/gpu_stalls_decode.sh | tail -30
done
