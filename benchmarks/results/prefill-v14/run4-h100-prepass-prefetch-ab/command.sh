#!/bin/bash
# session 16 run 4 (H100): the pre-pass with a few CTAs per SM that take blocks in turn and issue the next
# block's loads before this one's arithmetic; whole GPU suite, A/B against 46f3f7e (in _baseline/) in
# alternating processes, timelines, sanitizers.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
for f in attn_decode attn_decode_warp kv_compress; do cp build/temp.linux-x86_64-cpython-312/cuda/$f.* _baseline/build/temp.linux-x86_64-cpython-312/cuda/; done
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build_base.log)
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/prefill-v13/run5-h100-descriptors-ab/ab.py base 2>&1 | grep -v warn
  PYTHONPATH=$PWD python3 benchmarks/results/prefill-v13/run5-h100-descriptors-ab/ab.py new 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
for tree in _baseline .; do for sm in exact sas; do echo "== $tree $sm"; PYTHONPATH=$PWD/$tree python3 benchmarks/timeline.py prefill 4096 128 $sm 2>&1 | grep -v "warn" | tail -5; done; done | tee $OUT/timeline.txt
echo "timeline done ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 170 bash benchmarks/gpu_check.sh 2>&1 | tail -4
echo "all done ($(( $(date +%s) - t0 )) s)"
