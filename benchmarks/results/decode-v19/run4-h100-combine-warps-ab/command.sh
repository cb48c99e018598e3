#!/bin/bash
# session 22 decode-v19 run 4 (H100): the combine with 8-16 warps and 12 splits a round at D <= 128, against
# _baseline/ = `git archive de87c64 csrc turboattn setup.py pyproject.toml` (run 1's tree). The CUDA KV and step
# tests on the new tree; timeline.py step at GQA 4:1 (the combine's length); then two rounds, order reversed in the
# second: decode-v15/abdec.py (raw binding, 4 and 2 bits) and decode_loop.py --methods turboattn_step at GQA 4:1.
# Objects carried.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
mkdir -p _baseline/build/temp.linux-x86_64-cpython-312/cuda _baseline/benchmarks
cp --update=none build/temp.linux-x86_64-cpython-312/cuda/* _baseline/build/temp.linux-x86_64-cpython-312/cuda/
cp benchmarks/decode_loop.py _baseline/benchmarks/
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1); echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"
PYTHONPATH=$PWD timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_decode_step.py tests/test_cuda_kv.py > $OUT/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $OUT/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -20
[ $rc -eq 0 ] || exit 1
PYTHONPATH=$PWD python3 benchmarks/timeline.py step 1 32 8 32788 2>&1 | grep -v -i warn > $OUT/timeline_step_gqa.txt
grep combine $OUT/timeline_step_gqa.txt | awk '{print $(NF-4)}' | tr '\n' ' '; echo
{
for i in 1 2; do
  if [ $i = 1 ]; then order="_baseline ."; else order=". _baseline"; fi
  for tree in $order; do
    lab=$([ $tree = . ] && echo new || echo base)
    echo "== $lab $i"
    ABDEC_FORMS=4s,2s PYTHONPATH=$tree timeout 120 python3 benchmarks/results/decode-v15/abdec.py $lab 2>&1 | grep -v -i warn
    timeout 120 python3 $tree/benchmarks/decode_loop.py --out /tmp/ab --methods turboattn_step --hkv 8 2>&1 | grep -v -i warn
  done
done
} | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
