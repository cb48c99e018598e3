#!/bin/bash
# session 21 decode-v18 run 5 (H100): the final tree (run 4's plus the cache's dtype name read once): the whole GPU
# suite, decode.py twice (decode-1/, decode-2/: the spread between two runs on one machine), then three A/B rounds
# against _baseline/ = `git archive 0837a98 csrc turboattn setup.py pyproject.toml` (order reversed each round):
# append_parts.py, prefill-v17 run 13's compress_kernels.py (first line) and decode-v15's abdec.py (4s,4s/api).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
mkdir -p _baseline/build/temp.linux-x86_64-cpython-312/cuda
cp --update=none build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
for i in 1 2; do
  mkdir -p $OUT/decode-$i
  PYTHONPATH=$PWD timeout 300 python3 benchmarks/decode.py --out $OUT/decode-$i > /dev/null 2>&1; echo "decode.py $i rc=$? ($(( $(date +%s) - t0 )) s)"
  grep -A6 "^| B" $OUT/decode-$i/decode.md; sed -n 3p $OUT/decode-$i/decode.md
done
R=benchmarks/results
for i in 1 2 3; do
  if [ $((i % 2)) = 1 ]; then order="_baseline ."; else order=". _baseline"; fi
  for tree in $order; do
    name=$([ $tree = . ] && echo new || echo base)
    echo "== $name $i"
    PYTHONPATH=$PWD/$tree python3 benchmarks/append_parts.py 2>&1 | grep -v -i warn
    PYTHONPATH=$PWD/$tree python3 $R/prefill-v17/run13-h100-compress-kernels/compress_kernels.py 2>&1 | grep -v -i warn | head -1
    PYTHONPATH=$PWD/$tree ABDEC_FORMS=4s,4s/api python3 $R/decode-v15/abdec.py $name 2>&1 | grep -v -i warn
  done
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
