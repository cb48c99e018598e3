#!/bin/bash
# session 17 run 5 (H100): a persistent form of the one-warpgroup D = 128 row (kernel table row 8: as many CTAs as
# fit, each looping over query tiles with its stage ring running on across them; causal calls keep one tile per
# CTA); the CUDA parity file, then an A/B of row 0 (the default) against row 8 in alternating processes.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py -x > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  for v in 0 8; do TURBOATTN_PREFILL_VARIANT=$v PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
