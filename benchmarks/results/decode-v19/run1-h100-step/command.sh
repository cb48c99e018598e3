#!/bin/bash
# session 22 decode-v19 run 1 (H100): decode steps that append in the attention's launches (flashq_attention with
# k_new= and v_new=): the new test file and the CUDA cache tests, then decode_loop.py (GQA 4:1 and MHA) with
# turboattn (append, then attend), turboattn_step (one call) and SDPA flash, and the two turboattn forms again in
# the other order. Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_decode_step.py tests/test_cuda_kv.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
[ $rc -eq 0 ] || exit 1
{
for cfg in "gqa --hkv 8" "mha --hkv 32"; do
  set -- $cfg; name=$1; shift
  echo "== $name: $*"
  timeout 150 python3 benchmarks/decode_loop.py --out $OUT/$name --methods turboattn,turboattn_step,sdpa_flash "$@" 2>&1 | grep -v -i warn
  echo "== $name, the other order"
  timeout 100 python3 benchmarks/decode_loop.py --out /tmp/rev --methods turboattn_step,turboattn "$@" 2>&1 | grep -v -i warn
done
} | tee $OUT/loop.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
