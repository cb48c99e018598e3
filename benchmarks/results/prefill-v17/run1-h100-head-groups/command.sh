#!/bin/bash
# session 20 run 1 (H100): the tile-major grid in groups of heads, longest causal tiles first across the group
# (grid_tile, head_group_for). Checks: the CUDA parity file (with the new head-group test). A/B in alternating
# processes of one build: TURBOATTN_PREFILL_HEAD_GROUP=1 (one head's tiles after another, the order before this change)
# against the default (8 heads at 4k, 2 at 16k, 32 at 1k for D = 128 causal; 1 without a mask).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py -x > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
[ $rc -eq 0 ] || exit 1
export AB_SHOW=group=TURBOATTN_PREFILL_HEAD_GROUP AB_CASES=128:4096:1,128:16384:1,128:1024:1,64:4096:1,128:4096:0
for i in 1 2 3 4; do
  TURBOATTN_PREFILL_HEAD_GROUP=1 PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py one$i 2>&1 | grep -v warn
  PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py group$i 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
