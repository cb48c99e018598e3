#!/bin/bash
# session 12 runs 1-3: the residual rows in the warp kernel (run 1-2: an image kernel before it; run 3: the image written by the residual items themselves).
# Build, the GPU suite, the residual A/B against TURBOATTN_DECODE_RESIDUAL=cta (same build), one residual step's
# timeline both ways; then, if time is left, the sanitizers.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
if ! ls turboattn/_C*.so >/dev/null 2>&1; then
  python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
  grep -iE "error|warning" /tmp/build.log | head -10
fi
PYTHONPATH=$ROOT timeout 170 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log) $(( $(date +%s) - t0 )) s"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
PYTHONPATH=$ROOT timeout 200 python3 benchmarks/_s12_res.py 2>&1 | tee $OUT/residual_ab.txt
for m in plan cta; do
  env="TURBOATTN_DECODE_RESIDUAL=$m"
  echo "timeline $m"; env $env PYTHONPATH=$ROOT timeout 60 python3 benchmarks/timeline.py decode 1 32 32 32741 2>&1 | tail -4
done | tee $OUT/timeline.txt
echo "total: $(( $(date +%s) - t0 )) s"
if (( $(date +%s) - t0 < 460 )); then
  OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout $(( 560 - ($(date +%s) - t0) )) bash benchmarks/gpu_check.sh 2>&1 | tail -6
  echo "total with sanitizers: $(( $(date +%s) - t0 )) s"
fi
