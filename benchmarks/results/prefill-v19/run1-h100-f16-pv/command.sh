#!/bin/bash
# session 23 run 1 (H100): P V on float16 tensor cores (MMA_WG16, kernel row 0 of each head dim) against the same
# kernel with INT8 P V (row 1, the previous default), in one build. Checks: the CUDA parity file (with the new
# bit-for-bit test of row 0 against row 1). Timings: whole calls of each row in alternating processes
# (prefill-v15/ab.py, three rounds, TURBOATTN_PREFILL_VARIANT=0 / 1), then the whole GPU suite.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -h "nvcc -c" $OUT/build.log | sed 's/ -o .*//'
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
[ $rc -eq 0 ] || exit 1
export AB_CASES=128:4096:1,128:4096:0,128:16384:0,128:16384:1,128:1024:0,64:4096:0,64:4096:1
for i in 1 2 3; do
  for v in 1 0; do TURBOATTN_PREFILL_VARIANT=$v PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $OUT/ab.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 240 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
echo "all done ($(( $(date +%s) - t0 )) s)"
