#!/bin/bash
# session 21 decode-v18 run 11 (H100): the final tree (flashq_attention's isinstance check after run 10): the whole GPU
# suite; decode_loop.py (all three methods, GQA 4:1 and MHA); then the loop's turboattn steps (--methods turboattn,
# GQA 4:1 and MHA) in two A/B rounds against _baseline/ = `git archive 0837a98 csrc turboattn setup.py
# pyproject.toml`, order reversed in the second. Objects carried.
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
{
for cfg in "gqa --hkv 8" "mha --hkv 32"; do
  set -- $cfg; name=$1; shift
  echo "== $name: $*"
  PYTHONPATH=$PWD timeout 200 python3 benchmarks/decode_loop.py --out $OUT/$name "$@" 2>&1 | grep -v -i warn
done
mkdir -p _baseline/benchmarks && cp benchmarks/decode_loop.py _baseline/benchmarks/  # it imports the tree above it
for i in 1 2; do
  if [ $i = 1 ]; then order="_baseline ."; else order=". _baseline"; fi
  for tree in $order; do
    for cfg in "gqa --hkv 8" "mha --hkv 32"; do
      set -- $cfg; name=$1; shift
      echo "== $([ $tree = . ] && echo new || echo base) $i $name"
      timeout 200 python3 $tree/benchmarks/decode_loop.py --out /tmp/ab --methods turboattn "$@" 2>&1 | grep -v -i warn
    done
  done
done
} | tee $OUT/loop.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
