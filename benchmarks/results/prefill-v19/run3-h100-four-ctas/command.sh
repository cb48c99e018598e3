#!/bin/bash
# session 23 run 3 (H100): one more one-warpgroup CTA per SM (4 at D = 128 with 128 registers and 2 stages, 5 at
# D = 64 with 96), made possible by dropping the look-ahead S tile (S issued and waited for at the block's start)
# and by block_scores making each score from its accumulator in place. Row 0 of each head dim is the new row, row 1
# the previous default, in one build. Checks: the CUDA parity file. Timings: whole calls of each row in alternating
# processes (prefill-v15/ab.py, three rounds, TURBOATTN_PREFILL_VARIANT=1 / 0), then the whole GPU suite.
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
