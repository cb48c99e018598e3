#!/bin/bash
# session 11 run 10: the residual rows of K and V quantized in the same passes, in phase 1 (residual_blocks), against
# HEAD 7a75fa7 (_baseline):
# both builds, the GPU suite, the residual A/B x2, the sanitizers, the timeline of a residual step, decode.py.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > /tmp/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
for r in new1 base1 new2 base2; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  (cd $d && PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s11_res.py 2>/dev/null | sed "s/^/$r /")
done | tee $OUT/residual_ab.txt
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 200 bash benchmarks/gpu_check.sh 2>&1 | tail -6
PYTHONPATH=$ROOT timeout 60 python3 benchmarks/timeline.py decode 1 32 32 32805 2>&1 | tail -3 | tee $OUT/timeline.txt
PYTHONPATH=$ROOT timeout 200 python3 benchmarks/decode.py --out $OUT > /tmp/decode_stdout.txt 2>&1; echo "decode.py rc=$?"
tail -6 $OUT/decode.md
echo "total: $(( $(date +%s) - t0 )) s"
