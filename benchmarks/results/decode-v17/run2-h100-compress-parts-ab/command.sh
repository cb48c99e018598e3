#!/bin/bash
# session 20 decode-v17 run 2 (H100): run 1 plus take_tokens without its 352-byte stack frame and stage 2 with 2-4 threads a group (kvc_parts); the cache's compression and take_tokens with 16-byte pieces (kvc_stage1_rows16,
# kvc_take_rows16) and stage 2's divisions by per-group multipliers (kvc_step_mul). Checks: the KV file and the
# parity file on the new tree. Timings in each tree: prefill-v17 run 13's compress_kernels.py (a 32k x 8-head
# compression, its kernels) and append_parts.py. _baseline/ = `git archive d26dc48 csrc turboattn setup.py
# pyproject.toml` (its kv_compress.o carried, the other objects copied on the machine).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cp -n build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/ 2>/dev/null
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
grep -h "nvcc -c" $OUT/build.log $OUT/build_base.log | sed 's/ -o .*//'
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py tests/test_decode_accuracy.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2; do
  for tree in _baseline .; do
    echo "== $tree $i"
    PYTHONPATH=$PWD/$tree python3 benchmarks/results/prefill-v17/run13-h100-compress-kernels/compress_kernels.py 2>&1 | grep -v -i warn
    PYTHONPATH=$PWD/$tree python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn | grep -E "take_tokens|append"
  done
done | tee $OUT/compress_ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
