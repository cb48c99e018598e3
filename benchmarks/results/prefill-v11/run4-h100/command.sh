#!/bin/bash
# session 13 run 4 (H100): the tree to commit (kernels as e618190; new test; prefill.py timing variants in turns).
# Parity tests, then the position question: D = 128 rows 0 and 1 timed by e618190's prefill.py (one variant after
# the other) in both orders, and by the new prefill.py (interleaved) in both orders.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee $OUT/gpu.txt
rm -rf build turboattn/_C*.so
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8

for pass in 1 2; do
  for order in "0 1" "1 0"; do
    for tool in seq new; do
      script=benchmarks/prefill.py; [[ $tool == seq ]] && script=benchmarks/_s13_prefill_seq.py
      d=$OUT/$tool-${order// /}-$pass; mkdir -p $d
      timeout 100 python3 $script --quick --dims 128 --variants $order --no-ceilings --reps 10 --out $d > $d/bench.log 2>&1
      echo "pass $pass $tool order [$order] rc=$?: $(grep -A4 'Other kernel variants' $d/prefill.md | tail -2 | tr '\n' ' ')"
    done
  done
done 2>&1 | tee $OUT/order.txt
echo "total: $(( $(date +%s) - t0 )) s"
