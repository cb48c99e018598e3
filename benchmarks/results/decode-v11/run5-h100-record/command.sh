#!/bin/bash
# session 12 run 5 (H100): the final tree's build, the GPU suite, the sanitizers and decode.py (benchmark of record).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONUNBUFFERED=1
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv
python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
PYTHONPATH=$ROOT timeout 170 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log) $(( $(date +%s) - t0 )) s"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
OUT=$OUT STAGES=sanitize NO_BUILD=1 timeout 100 bash benchmarks/gpu_check.sh 2>&1 | tail -4
PYTHONPATH=$ROOT timeout 280 python3 benchmarks/decode.py --out $OUT > $OUT/decode_stdout.txt 2>&1; echo "decode.py rc=$?"
cat $OUT/decode.md
echo "total: $(( $(date +%s) - t0 )) s"
