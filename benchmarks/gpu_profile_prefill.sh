#!/bin/bash
# Nsight Compute on one prefill launch (B=8, H=32, N=4096, D=128, FP16, non-causal) per kernel-table row:
# pipe utilisation, warp stall reasons and scheduler statistics, as raw metrics. Builds first unless
# NOBUILD=1 (the machine keeps the last build). Usage:
#   OUT=/dir VARIANTS="0 4" bash benchmarks/gpu_profile_prefill.sh
set -o pipefail
OUT=${OUT:-/tmp/gpu_profile_prefill}
VARIANTS=${VARIANTS:-0}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
[ "${NOBUILD:-0}" = 1 ] || TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
cat > /tmp/profile_prefill.py <<'PY'
import numpy as np, torch, turboattn as ta
g = torch.Generator(device="cuda").manual_seed(0)
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
for _ in range(2):
    ta.flashq_attention(q, k, v)
torch.cuda.synchronize()
PY
SECTIONS="--section SpeedOfLight --section ComputeWorkloadAnalysis --section WarpStateStats --section SchedulerStats --section InstructionStats --section Occupancy"
for V in $VARIANTS; do
    TURBOATTN_PREFILL_VARIANT=$V timeout 200 ncu $SECTIONS --page raw -k regex:prefill_kernel -s 1 -c 1 \
        python3 /tmp/profile_prefill.py > "$OUT/ncu_prefill_v$V.txt" 2>&1
    echo "== variant $V rc=$?"
    grep -E "gpu__time_duration.sum|sm__inst_executed.avg.per_cycle_active |smsp__issue_active.avg.per_cycle_active|launch__registers_per_thread|sm__warps_active.avg.pct_of_peak|sm__inst_executed_pipe_[a-z0-9_]*.avg.pct_of_peak_sustained_active|sm__pipe_[a-z0-9_]*_cycles_active.avg.pct_of_peak_sustained_active|smsp__average_warps_issue_stalled_[a-z_]*_per_issue_active.ratio|smsp__warps_eligible.avg.per_cycle_active|smsp__inst_executed.sum " \
        "$OUT/ncu_prefill_v$V.txt" | awk '$NF+0 > 0.02 || /duration|registers|inst_executed.sum/' | sed 's/  */ /g'
done
