#!/bin/bash
# session 10 run 5: 128-register (4 CTAs of 4 warps per SM) table rows for the one-row and few-row forms at D = 128
# (TURBOATTN_DECODE_VARIANT=1 picks them), same build: the GPU suite (default rows), the decode tests on the new rows,
# A/B x3 default vs variant 1 (4 and 2 bits), the host parts of a call.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1 PYTHONPATH=$ROOT
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
TURBOATTN_DECODE_VARIANT=1 timeout 120 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py -k "decode or kv" > $OUT/pytest_v1.log 2>&1
echo "variant 1 decode tests rc=$?: $(tail -1 $OUT/pytest_v1.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_v1.log | head -20
for r in def1 v1a def2 v1b def3 v1c; do
  env=""; [[ $r == v1* ]] && env="TURBOATTN_DECODE_VARIANT=1"
  env $env timeout 100 python3 benchmarks/_s10_ab2.py > $OUT/ab_$r.log 2>&1; echo "$r rc=$? $(grep ALL $OUT/ab_$r.log)"
done
for f in $OUT/ab_*.log; do echo "$(basename $f .log) $(grep ALL $f)"; done > $OUT/ab_all.txt
rm -f $OUT/ab_*.log
timeout 60 python3 benchmarks/decode_host_parts.py 2>&1 | tail -4
echo "total: $(( $(date +%s) - t0 )) s"
