#!/bin/bash
# session 15 run 11 (prefill-v13 run10) (H100): ncu of the final pre-pass (quantize_blocks_kernel, N = 4k, D = 128): pipes and source counters.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cat > /tmp/one.py <<'PY'
import sys, torch
from turboattn import flashq_attention
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)
for _ in range(2):
    flashq_attention(q, k, v, out=out, softmax="exact")
torch.cuda.synchronize()
PY
timeout 150 ncu --kernel-name regex:quantize_blocks --launch-skip 1 --launch-count 1 \
    --section SpeedOfLight --section ComputeWorkloadAnalysis --section InstructionStats --section WarpStateStats --section SourceCounters -o $OUT/q \
    python3 /tmp/one.py > $OUT/ncu.log 2>&1; echo "ncu rc=$? ($(( $(date +%s) - t0 )) s)"
ncu --import $OUT/q.ncu-rep --page details > $OUT/ncu_quant.txt 2>&1
ncu --import $OUT/q.ncu-rep --page source --csv --print-source sass > $OUT/quant_sass.csv 2>&1; rm $OUT/q.ncu-rep
grep -E "Duration|Throughput|Achieved|Theoretical|Stall|Warp Cycles|Registers|Block Limit" $OUT/ncu_quant.txt | head -40
