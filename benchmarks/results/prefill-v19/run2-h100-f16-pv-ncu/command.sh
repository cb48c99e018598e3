#!/bin/bash
# session 23 run 2 (H100): Nsight Compute on one 4k launch (B = 8, H = 32,
# D = 128, exact softmax, causal and not) of kernel row 0 (P V on float16 tensor cores) and row 1 (INT8 P V), to
# see why row 0 lost in run 1: instructions, issue, tensor pipes and L2 traffic.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
for C in False True; do
cat > /tmp/profile_prefill.py <<PY
import torch, turboattn as ta
g = torch.Generator(device="cuda").manual_seed(0)
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
for _ in range(2):
    ta.flashq_attention(q, k, v, softmax="exact", causal=$C)
torch.cuda.synchronize()
PY
for V in 1 0; do
    SECTIONS="--section SpeedOfLight --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis --section WarpStateStats --section SchedulerStats --section InstructionStats --section Occupancy"
    TURBOATTN_PREFILL_VARIANT=$V timeout 200 ncu $SECTIONS --page raw -k regex:prefill_kernel -s 1 -c 1 \
        python3 /tmp/profile_prefill.py > "$OUT/ncu_c${C}_v$V.txt" 2>&1
    echo "== causal=$C variant $V rc=$?"
    grep -E "gpu__time_duration.sum|smsp__inst_executed.sum |smsp__issue_active.avg.per_cycle_active|launch__registers_per_thread|launch__occupancy_limit|sm__warps_active.avg.pct_of_peak|sm__inst_executed_pipe_[a-z0-9_]*.avg.pct_of_peak_sustained_active|sm__pipe_[a-z0-9_]*_cycles_active.avg.pct_of_peak_sustained_active|smsp__average_warps_issue_stalled_[a-z_]*_per_issue_active.ratio|lts__t_bytes.sum.per_second|lts__throughput.avg.pct_of_peak_sustained_elapsed|lts__t_sector_hit_rate.pct|l1tex__m_xbar2l1tex_read_bytes.sum.per_second|dram__throughput.avg.pct_of_peak_sustained_elapsed|sm__cycles_elapsed.avg.per_second" \
        "$OUT/ncu_c${C}_v$V.txt" | awk '$NF+0 > 0.02 || /duration|registers|inst_executed.sum|limit/' | sed 's/  */ /g'
done
done
