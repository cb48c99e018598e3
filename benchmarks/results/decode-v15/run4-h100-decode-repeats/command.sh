#!/bin/bash
# session 18 run 11 (H100): decode.py twice more on 1ea567f (run 10 had 4-bit (8,32,8,32k) at 0.519 ms), then two
# more rounds of the decode A/B against 41d978a (_baseline).
# (This folder is session run 11; run 10 is ../../prefill-v16/run7-h100-final-record/.)
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
for i in 1 2; do
  mkdir -p $OUT/decode$i
  timeout 240 python3 benchmarks/decode.py --out $OUT/decode$i 2>&1 | grep -v -i warn | grep -v "^{" | tail -8
done
for i in 1 2; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-v15/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
