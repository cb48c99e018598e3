#!/bin/bash
# session 10 run 1: q's check inside the warp kernel (no check launch; the host spins on a mapped word) and DLPack
# import through PyTorch's C exchange table, against HEAD (_baseline), same machine: both builds, the GPU suite on
# the new tree, A/B x3 of new / new with TURBOATTN_DLPACK_C_API=0 / base (raw binding and public API), timeline.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
python3 -c "import torch, cupy; print('torch', torch.__version__, 'table', hasattr(torch.Tensor, '__dlpack_c_exchange_api__'), 'cupy', cupy.__version__, 'table', hasattr(cupy.ndarray, '__dlpack_c_exchange_api__'))"
rm -rf build turboattn/_C*.so _baseline/build _baseline/turboattn/_C*.so
(python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "new build rc=$?") &
(cd _baseline && python3 setup.py -q build_ext --inplace > $OUT/build_base.log 2>&1; echo "base build rc=$?") &
wait
echo "builds: $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
for r in new1 off1 base1 new2 off2 base2 new3 off3 base3; do
  d=$ROOT; [[ $r == base* ]] && d=$ROOT/_baseline
  env=""; [[ $r == off* ]] && env="TURBOATTN_DLPACK_C_API=0"
  (cd $d && env $env PYTHONPATH=$d timeout 100 python3 $ROOT/benchmarks/_s10_ab.py > $OUT/ab_$r.log 2>&1); echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
PYTHONPATH=$ROOT timeout 100 python3 benchmarks/timeline.py decode 1 32 32 32768 2>&1 | tail -12
echo "total: $(( $(date +%s) - t0 )) s"
