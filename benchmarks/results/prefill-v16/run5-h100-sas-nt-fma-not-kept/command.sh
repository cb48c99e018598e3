#!/bin/bash
# session 18 run 5 (H100): the wgmma rows' paired SAS codes take nt = m_new - S in one FMA a score (C rounds S, then
# nt); the CUDA parity file, then an A/B in alternating processes against 41d978a (_baseline).
# Tree: 41d978a plus nt-fma.diff; _baseline/ is `git archive 41d978a csrc turboattn setup.py pyproject.toml`.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py -x > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline AB_SHOW=old_epilogue=TURBOATTN_S18_OLD_EPILOGUE python3 benchmarks/results/prefill-v15/ab.py base$i 2>&1 | grep -v warn
  PYTHONPATH=$PWD AB_SHOW=old_epilogue=TURBOATTN_S18_OLD_EPILOGUE python3 benchmarks/results/prefill-v15/ab.py new$i 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
