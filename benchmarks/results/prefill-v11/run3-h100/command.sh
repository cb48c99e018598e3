#!/bin/bash
# session 13 run 3 (H100): prefill wgmma rows at D = 128: [0] WG_LAZY | WG_MAGIC_S, [1] WG_LAZY, [2] WG_MAGIC_S,
# [3] C-order fold (session 7's kernel), [4] the same with 8 warps; D = 64: mma.sync default, [4] WG C order,
# [5] WG_LAZY | WG_MAGIC_S. One build: parity tests, prefill.py --quick x2, then the full prefill.py (all N)
# with D = 128 rows 0-3 and D = 64's default. (First call without PYTHONPATH: build and parity tests only;
# the benchmarks ran in a second call on the same warm machine with NO_BUILD=1.)
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee $OUT/gpu.txt
[[ ${NO_BUILD:-0} == 1 ]] || rm -rf build turboattn/_C*.so
[[ ${NO_BUILD:-0} == 1 ]] || python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
[[ ${NO_BUILD:-0} == 1 ]] || timeout 120 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
mkdir -p $OUT/ab
for r in 1 2; do
  for D in 128 64; do
    vs="0 1 2 3 4"; [[ $D == 64 ]] && vs="0 4 5"
    timeout 150 python3 benchmarks/prefill.py --quick --dims $D --variants $vs --no-ceilings --reps 10 --out $OUT/ab/$r-$D > $OUT/ab/$r-$D.log 2>&1; echo "pass $r D=$D rc=$?"
    grep -A8 "Other kernel variants" $OUT/ab/$r-$D/prefill.md | grep "^|"
  done
done 2>&1 | tee $OUT/ab.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
mkdir -p $OUT/full128 $OUT/full64
timeout 200 python3 benchmarks/prefill.py --dims 128 --variants 0 1 2 3 --out $OUT/full128 > $OUT/full128/bench.log 2>&1; echo "full 128 rc=$?"
timeout 120 python3 benchmarks/prefill.py --dims 64 --out $OUT/full64 > $OUT/full64/bench.log 2>&1; echo "full 64 rc=$?"
cat $OUT/full128/prefill.md $OUT/full64/prefill.md | grep "^|"
echo "total: $(( $(date +%s) - t0 )) s"
