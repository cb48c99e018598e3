#!/bin/bash
# session 18 run 12 (H100): the q prefetch with its addresses kept inside each row and the row offset shared with
# dec_quantize_q_row (a tidy-up of 9c52f21); tests/test_cuda_kv.py, the sanitizer cases, two A/B rounds against
# 41d978a (_baseline).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py -x > $OUT/pytest.log 2>&1
rc=$?; echo "tests rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 150 bash benchmarks/gpu_check.sh 2>&1 | tail -4
for i in 1 2; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-v15/abdec.py base$i 2>&1 | grep -v -i warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/abdec.py new$i 2>&1 | grep -v -i warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
# Rounds 3-5 (ab_more.txt) ran as a second call on the same machine, after rebuilding both trees:
#   for i in 3 4 5; do PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-v15/abdec.py base$i
#                      PYTHONPATH=$PWD python3 benchmarks/results/decode-v15/abdec.py new$i; done
