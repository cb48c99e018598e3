#!/bin/bash
# session 15 run 1 (H100): CUDA objects built on the dev machine (carried, setup.py's object key), the D = 64 default
# swapped to row 3's shape, one-warpgroup wgmma rows (PREFILL_WG_SOLO); parity suite, rows in turns, ncu source counters.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv; nvcc --version | tail -1
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
timeout 200 python3 benchmarks/results/prefill-v13/rows.py 128:0,7,8 64:0,3,5,6 2>&1 | grep -v warn | tee $OUT/rows.txt
echo "rows done ($(( $(date +%s) - t0 )) s)"
cat > /tmp/one.py <<'PY'
import sys, torch
from turboattn import flashq_attention
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)
for _ in range(2):
    flashq_attention(q, k, v, out=out, softmax=sys.argv[1])
torch.cuda.synchronize()
PY
timeout 150 ncu -o $OUT/prof --kernel-name regex:prefill_kernel --launch-skip 1 --launch-count 1 \
    --section WarpStateStats --section SourceCounters --section SpeedOfLight --section LaunchStats --section Occupancy \
    python3 /tmp/one.py exact > $OUT/ncu.log 2>&1; echo "ncu rc=$? ($(( $(date +%s) - t0 )) s)"
ncu --import $OUT/prof.ncu-rep --page details > $OUT/ncu_details.txt 2>&1
ncu --import $OUT/prof.ncu-rep --page source --csv --print-source sass > $OUT/ncu_sass.csv 2>&1; ls -la $OUT
echo "all done ($(( $(date +%s) - t0 )) s)"
