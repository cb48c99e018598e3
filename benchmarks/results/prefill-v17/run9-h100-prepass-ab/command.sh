#!/bin/bash
# session 20 run 9 (H100): the pre-pass kernel with its CTA decode by host-made multipliers (udiv), one address per
# thread for the loads and the code rows, no clamp for float16, and the NaN/Inf answer on the maxima's barrier
# (__syncthreads_or). Checks: the whole GPU suite on the new tree. Timings: the pre-pass kernel by profiler in each
# tree (run 5's prepass_layouts.py), then an A/B of whole calls in alternating processes (prefill-v15/ab.py, three
# rounds) against _baseline/ = `git archive 15788c2 csrc turboattn setup.py pyproject.toml` with its objects.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cp -n build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/  # the objects of the unchanged files (carried: quant.o only)
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -h "nvcc -c" $OUT/build.log $OUT/build_base.log | sed 's/ -o .*//'
PYTHONPATH=$PWD timeout 240 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
for tree in _baseline .; do
  echo "== $tree"; PYTHONPATH=$PWD/$tree python3 benchmarks/results/prefill-v17/run5-h100-prepass-layouts/prepass_layouts.py 2>&1 | grep -v -i warn
done | tee $OUT/prepass_kernels.txt
export AB_SHOW=group=TURBOATTN_PREFILL_HEAD_GROUP AB_CASES=128:4096:1,128:4096:0,128:16384:0,128:1024:0,64:4096:0
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/prefill-v15/ab.py base$i 2>&1 | grep -v warn
  PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py new$i 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
