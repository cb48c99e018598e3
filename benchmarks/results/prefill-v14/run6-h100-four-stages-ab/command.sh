#!/bin/bash
# session 16 run 6 (H100): the D = 128 one-warpgroup row with 4 stages instead of 3 (the exact kernel without
# setmaxnreg: 12 bytes of spills at 168 registers, 60-92 at 160 or 152); A/B against 46f3f7e (in _baseline/)
# in alternating processes; GPU parity suites.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1
t0=$(date +%s)
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
for f in attn_decode attn_decode_warp kv_compress; do cp build/temp.linux-x86_64-cpython-312/cuda/$f.* _baseline/build/temp.linux-x86_64-cpython-312/cuda/; done
(cd _baseline && TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "baseline build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build_base.log)
PYTHONPATH=$PWD timeout 300 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py tests/test_cuda_memory.py tests/test_dlpack_exchange.py > $OUT/tests.log 2>&1
rc=$?; echo "tests rc=$rc ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
[ $rc -eq 0 ] || exit 1
for i in 1 2 3; do
  PYTHONPATH=$PWD/_baseline python3 benchmarks/results/prefill-v13/run5-h100-descriptors-ab/ab.py base 2>&1 | grep -v warn
  PYTHONPATH=$PWD python3 benchmarks/results/prefill-v13/run5-h100-descriptors-ab/ab.py new 2>&1 | grep -v warn
done | tee $OUT/ab.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
