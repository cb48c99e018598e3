#!/bin/bash
# session 19 run 8 (H100): append()'s tokens checked and copied by one kernel that answers through mapped host
# memory (ta_take_tokens_cuda), instead of a memset, two check kernels, a blocking copy of the flags and two copy
# kernels. Builds this tree and _baseline (git archive 4d09b67) from carried objects, runs the CUDA KV file and the
# sanitizer cases, then benchmarks/append_parts.py in alternating processes (three rounds) and decode.py once.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_baseline.log 2>&1); echo "baseline build rc=$?"
grep -h "nvcc -c" $OUT/build*.log | sed 's/ -o .*//' | head
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py -x > $OUT/pytest.log 2>&1
rc=$?; echo "kv tests rc=$rc: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
PYTHONPATH=$PWD OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 170 bash benchmarks/gpu_check.sh 2>&1 | tail -4
for i in 1 2 3; do
  echo "== base$i"; PYTHONPATH=$PWD/_baseline python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn
  echo "== new$i"; PYTHONPATH=$PWD python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn
done | tee $OUT/append.txt
mkdir -p $OUT/decode
PYTHONPATH=$PWD python3 benchmarks/decode.py --out $OUT/decode > $OUT/decode/decode.log 2>&1; echo "decode.py rc=$?"
grep -h "append" $OUT/decode/decode.md | head -2
