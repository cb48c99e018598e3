#!/bin/bash
# session 22 decode-v19 run 3 (H100): where a fused decode step's GPU time goes in a loop: timeline.py step (4 layers
# back to back, B = 1, Hq = 32, N = 32k + 20, so every step has residual rows), GQA 4:1 and MHA, and the same with the
# residual split forced onto each kernel; then decode.py's one-row shape with 20 residual rows. Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
for hkv in 8 32; do
  for res in plan warp cta; do
    echo "== Hkv $hkv, residual $res"
    TURBOATTN_DECODE_RESIDUAL=$res timeout 60 python3 benchmarks/timeline.py step 1 32 $hkv 32788 2>&1 | grep -v -i warn > $OUT/step_${hkv}_$res.txt
    head -1 $OUT/step_${hkv}_$res.txt
    grep -v "  host" $OUT/step_${hkv}_$res.txt | tail -12
  done
done
