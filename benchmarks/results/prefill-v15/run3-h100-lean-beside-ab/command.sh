#!/bin/bash
# session 17 run 3 (H100): the pre-pass beside the attention kernel in its lean form (quantize_beside_kernel: one
# 4-warp CTA per SM at 32 registers, bulk-copied stages; the D = 128 attention row capped at 160 registers); A/B against 0bff4ee (in _baseline/) and
# 0 / 1 pre-pass CTAs per SM in alternating processes, timelines, whole GPU suite, sanitizers.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"

(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)")
PYTHONPATH=$PWD timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py -x > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/prefill-v15/ab.py base$i 2>&1 | grep -v warn
  for c in 0 1; do TURBOATTN_PREPASS_CTAS=$c PYTHONPATH=$PWD python3 benchmarks/results/prefill-v15/ab.py new$i 2>&1 | grep -v warn; done
done | tee $OUT/ab.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
for c in 0 1; do for sm in exact sas; do echo "== ctas=$c $sm"; TURBOATTN_PREPASS_CTAS=$c PYTHONPATH=$PWD python3 benchmarks/timeline.py prefill 4096 128 $sm 2>&1 | grep -v "warn" | tail -4; done; done | tee $OUT/timeline.txt

PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
TURBOATTN_PREPASS_CTAS=0 PYTHONPATH=$PWD timeout 100 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest_plain.log 2>&1
echo "plain-order parity rc=$?: $(tail -1 $OUT/pytest_plain.log) ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 150 bash benchmarks/gpu_check.sh 2>&1 | tail -4
echo "all done ($(( $(date +%s) - t0 )) s)"
