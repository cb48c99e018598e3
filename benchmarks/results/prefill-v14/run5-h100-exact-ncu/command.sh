#!/bin/bash
# session 16 run 5 (H100): ncu source counters of the D = 128 exact kernel after runs 1-2 (N = 4k, B = 8).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
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
    --section WarpStateStats --section SourceCounters --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy \
    python3 /tmp/one.py exact > $OUT/ncu.log 2>&1; echo "ncu rc=$? ($(( $(date +%s) - t0 )) s)"
ncu --import $OUT/prof.ncu-rep --page details > $OUT/ncu_details.txt 2>&1
ncu --import $OUT/prof.ncu-rep --page source --csv --print-source sass > $OUT/ncu_sass.csv 2>&1; rm $OUT/prof.ncu-rep; gzip $OUT/ncu_sass.csv
echo "all done ($(( $(date +%s) - t0 )) s)"
