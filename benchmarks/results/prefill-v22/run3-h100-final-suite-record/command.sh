#!/bin/bash
# session 25 run 3 (H100): the final v22 tree (paired SAS: w = T - nt with sign-mask sparsity, the deferred rescale,
# one SAS EXP2 a row for alpha and p_max, one division sequence a quad). The whole GPU suite, the sanitizer cases
# (gpu_check.sh), and the record: prefill.py in the record method (--settled 1000) twice.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
R=$OUT/r; mkdir -p $R
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $R/gpu.txt
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $R/build.log
timeout 240 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $R/pytest.log 2>&1
rc=$?; echo "pytest rc=$rc: $(tail -1 $R/pytest.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $R/pytest.log | head -20
[ $rc -eq 0 ] || { tar czf $OUT/run.tgz -C $OUT r; exit 1; }
python3 benchmarks/prefill.py --settled 1000 --out $R/settled1 2>&1 | grep "^N="; echo "settled1 done ($(( $(date +%s) - t0 )) s)"
OUT=$R STAGES=sanitize NO_BUILD=1 timeout 300 bash benchmarks/gpu_check.sh > $R/gpu_check.txt 2>&1; tail -4 $R/gpu_check.txt
echo "sanitize done ($(( $(date +%s) - t0 )) s)"
python3 benchmarks/prefill.py --settled 1000 --no-ceilings --out $R/settled2 2>&1 | grep "^N="; echo "settled2 done ($(( $(date +%s) - t0 )) s)"
for f in settled1 settled2; do echo "== $f"; grep "^| [0-9]" $R/$f/prefill.md; done
tar czf $OUT/run.tgz -C $OUT r
