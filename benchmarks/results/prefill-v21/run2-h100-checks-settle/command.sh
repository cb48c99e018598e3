#!/bin/bash
# session 24 run 2 (H100): the tree with the paired SAS codes' nt in one FMA and inv scaled by 2^-n in every
# kernel (v21): the whole GPU suite, the sanitizer cases (gpu_check.sh), and settle.py (how long the calls
# before a timed block move its time). Everything is packed into run.tgz (the device tool returns few files).
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
python3 benchmarks/results/prefill-v21/run2-h100-checks-settle/settle.py 2>&1 | grep -v warn | tee $R/settle.txt
echo "settle done ($(( $(date +%s) - t0 )) s)"
OUT=$R STAGES=sanitize NO_BUILD=1 timeout 300 bash benchmarks/gpu_check.sh > $R/gpu_check.txt 2>&1; tail -4 $R/gpu_check.txt
echo "sanitize done ($(( $(date +%s) - t0 )) s)"
tar czf $OUT/run.tgz -C $OUT r
