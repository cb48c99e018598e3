#!/bin/bash
# session 18 run 9 (H100): the decode warp kernel prefetches a work
# item's q rows into L1 before quantizing them one by one (run 8 without the per-CTA ticket); tests/test_cuda_kv.py, then an A/B in alternating processes
# against 41d978a (_baseline).
# Tree: the decode change of this session's commit (the q prefetch alone); _baseline/ as in run 2.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py -x > $OUT/pytest_kv.log 2>&1
rc=$?; echo "kv tests rc=$rc: $(tail -1 $OUT/pytest_kv.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_kv.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-v15/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
