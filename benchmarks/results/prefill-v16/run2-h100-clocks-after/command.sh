#!/bin/bash
# session 18 run 2 (H100): the Q codes' loads issued together and the scales loaded first (prologue), and the output
# tile written through shared memory in 16-byte row pieces (epilogue). Checks: the CUDA parity file, then the
# DLPack, memory and leak files (after the timings); then per-CTA clocks of the new build, and an A/B in alternating processes: the committed tree (_baseline),
# the new build, and the new build with the old epilogue (TURBOATTN_S18_OLD_EPILOGUE=1).
# Tree: 122e5a9 plus clocks.diff (the clocks and the change, with a TURBOATTN_S18_OLD_EPILOGUE switch); _baseline/ is
# `git archive 122e5a9 csrc turboattn setup.py pyproject.toml`, built the same way.
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
PYTHONPATH=$PWD python3 benchmarks/results/prefill-v16/trace.py $OUT 2>&1 | grep -v warn | tee $OUT/trace.txt
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline AB_SHOW=old_epilogue=TURBOATTN_S18_OLD_EPILOGUE python3 benchmarks/results/prefill-v15/ab.py base$i 2>&1 | grep -v warn
  PYTHONPATH=$PWD AB_SHOW=old_epilogue=TURBOATTN_S18_OLD_EPILOGUE python3 benchmarks/results/prefill-v15/ab.py new$i 2>&1 | grep -v warn
  TURBOATTN_S18_OLD_EPILOGUE=1 PYTHONPATH=$PWD AB_SHOW=old_epilogue=TURBOATTN_S18_OLD_EPILOGUE python3 benchmarks/results/prefill-v15/ab.py newQ$i 2>&1 | grep -v warn
done | tee $OUT/ab.txt
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_dlpack.py tests/test_dlpack_exchange.py tests/test_dlpack_inputs.py tests/test_cuda_memory.py tests/test_leaks.py tests/test_package.py > $OUT/pytest_all.log 2>&1
echo "suite rc=$?: $(tail -1 $OUT/pytest_all.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_all.log | head -20
echo "all done ($(( $(date +%s) - t0 )) s)"
