#!/bin/bash
# session 15 run 9 (H100): the D = 128 one-row decode form lowers its register budget to 152 (setmaxnreg.dec; ptxas
# spills 56-60 bytes at 168, 16-20 at 152); A/B against 6311213 (in _baseline/) in alternating processes; KV tests.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
for f in attn_decode kv_compress; do cp build/temp.linux-x86_64-cpython-312/cuda/$f.* _baseline/build/temp.linux-x86_64-cpython-312/cuda/; done
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build_base.log)
PYTHONPATH=$PWD timeout 240 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py > $OUT/tests.log 2>&1
rc=$?; echo "tests rc=$rc ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/decode-v14/run1-h100-one-row-regs-not-kept/abdec.py base 2>&1 | grep -v warn
  PYTHONPATH=$PWD python3 benchmarks/results/decode-v14/run1-h100-one-row-regs-not-kept/abdec.py new 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
