#!/bin/bash
# Nsight Compute on one prefill launch (FP16, H=32, N=4096, D=128, non-causal) per kernel-table row.
#   MODE=raw (default): B=8; pipe utilisation, warp stall reasons and scheduler statistics as raw metrics.
#   MODE=source: B=2; stall samples per SASS instruction as CSV (source_sass.csv), for
#                benchmarks/ncu_source_regions.py.
# SOFTMAX=exact profiles softmax="exact" (default: the default SAS).
# Builds first unless NOBUILD=1 (the machine keeps the last build). Usage:
#   OUT=/dir VARIANTS="0 4" bash benchmarks/gpu_profile_prefill.sh
#   OUT=/dir MODE=source VARIANTS=0 bash benchmarks/gpu_profile_prefill.sh
set -o pipefail
OUT=${OUT:-/tmp/gpu_profile_prefill}
VARIANTS=${VARIANTS:-0}
MODE=${MODE:-raw}
SOFTMAX=${SOFTMAX:-sas}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
[ "${NOBUILD:-0}" = 1 ] || TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
B=$([ "$MODE" = source ] && echo 2 || echo 8)
cat > /tmp/profile_prefill.py <<PY
import torch, turboattn as ta
g = torch.Generator(device="cuda").manual_seed(0)
q, k, v = (torch.randn($B, 32, 4096, 128, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
for _ in range(2):
    ta.flashq_attention(q, k, v, softmax="$SOFTMAX")
torch.cuda.synchronize()
PY
for V in $VARIANTS; do
    if [ "$MODE" = source ]; then
        TURBOATTN_PREFILL_VARIANT=$V timeout 300 ncu --section SourceCounters --section WarpStateStats \
            -k regex:prefill_kernel -s 1 -c 1 -o /tmp/prefill_src -f python3 /tmp/profile_prefill.py > "$OUT/ncu_v$V.log" 2>&1
        echo "== variant $V ncu rc=$?"
        ncu -i /tmp/prefill_src.ncu-rep --page source --csv --print-source sass > "$OUT/source_sass_v$V.csv" 2>&1
        echo "export rc=$? lines=$(wc -l < "$OUT/source_sass_v$V.csv")"
        continue
    fi
    SECTIONS="--section SpeedOfLight --section ComputeWorkloadAnalysis --section WarpStateStats --section SchedulerStats --section InstructionStats --section Occupancy"
    TURBOATTN_PREFILL_VARIANT=$V timeout 200 ncu $SECTIONS --page raw -k regex:prefill_kernel -s 1 -c 1 \
        python3 /tmp/profile_prefill.py > "$OUT/ncu_prefill_v$V.txt" 2>&1
    echo "== variant $V rc=$?"
    grep -E "gpu__time_duration.sum|sm__inst_executed.avg.per_cycle_active |smsp__issue_active.avg.per_cycle_active|launch__registers_per_thread|sm__warps_active.avg.pct_of_peak|sm__inst_executed_pipe_[a-z0-9_]*.avg.pct_of_peak_sustained_active|sm__pipe_[a-z0-9_]*_cycles_active.avg.pct_of_peak_sustained_active|smsp__average_warps_issue_stalled_[a-z_]*_per_issue_active.ratio|smsp__warps_eligible.avg.per_cycle_active|smsp__inst_executed.sum " \
        "$OUT/ncu_prefill_v$V.txt" | awk '$NF+0 > 0.02 || /duration|registers|inst_executed.sum/' | sed 's/  */ /g'
done
