#!/bin/bash
# session 11 run 6: the residual split as a programmatic dependent launch behind the warp kernel (dec_cta_launch,
# ta_pdl_trigger / ta_pdl_wait), on top of run 5's residual_block, against HEAD c35c578 (_baseline): both builds,
# the GPU suite, the residual A/B (new, new with TURBOATTN_DECODE_PDL=0, base), the timeline of a residual step.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
for r in new1 off1 base1 new2 off2; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  env=""; [[ $r == off* ]] && env="TURBOATTN_DECODE_PDL=0"
  (cd $d && env $env PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s11_res.py 2>/dev/null | sed "s/^/$r /")
done | tee $OUT/residual_ab.txt
PYTHONPATH=$ROOT timeout 60 python3 benchmarks/timeline.py decode 1 32 32 32805 2>&1 | tail -4 | tee $OUT/timeline.txt
echo "total: $(( $(date +%s) - t0 )) s"
