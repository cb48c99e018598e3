#!/bin/bash
# session 23 run 6 (H100): in the four-CTA rows (no look-ahead), S of each block issued right after the block's
# barrier, before thread 0's refill, instead of after it. A/B of whole calls in alternating processes
# (prefill-v15/ab.py, three rounds) against _baseline/ = `git archive a4b217e csrc turboattn setup.py pyproject.toml`
# with its objects; then the CUDA parity file on the new tree.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cp -n build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/  # the unchanged files' objects (carried: attn_prefill only)
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -h "nvcc -c" $OUT/build.log $OUT/build_base.log | sed 's/ -o .*//'
export AB_CASES=128:4096:1,128:4096:0,128:16384:0,128:16384:1,128:1024:0
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/prefill-v15/ab.py base$i 2>&1 | grep -v warn
  PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py new$i 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
