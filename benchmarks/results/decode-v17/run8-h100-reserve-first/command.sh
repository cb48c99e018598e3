#!/bin/bash
# session 20 decode-v17 run 8 (H100): CudaQuantizedKV.append makes room for the blocks it will fill before the tokens'
# check (turboattn/cuda_kv.py). Checks: the KV file (with a failing append of 130 tokens added to
# test_append_rejects_bad_tokens_and_keeps_the_cache) and the memory and leak files. Timing: the compression call
# (prefill-v17 run 13's compress_kernels.py) and append_parts.py, in each tree twice, against _baseline/ =
# `git archive b5fa17b csrc turboattn setup.py pyproject.toml` (the same objects).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
cp -n build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/ 2>/dev/null
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$?"
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_memory.py tests/test_leaks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2; do
  for tree in _baseline .; do
    echo "== $tree $i"
    PYTHONPATH=$PWD/$tree python3 benchmarks/results/prefill-v17/run13-h100-compress-kernels/compress_kernels.py 2>&1 | grep -v -i warn | grep "^call"
    PYTHONPATH=$PWD/$tree python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn | grep -E "^append"
  done
done | tee $OUT/timing.txt
