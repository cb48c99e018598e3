#!/bin/bash
# session 14 run 1 (H100): build; prefill softmax="exact" vs SAS in turns with SDPA; SASS sizes; ncu counts; decode timeline.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv
if [ -z "${NO_BUILD:-}" ]; then
  TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
fi
python3 benchmarks/results/prefill-v12/run1-h100-exact-vs-sas/exact_vs_sas.py 2>&1 | tee $OUT/exact.txt
echo "bench done ($(( $(date +%s) - t0 )) s)"
cat > /tmp/one.py <<'PY'
import os, sys, torch
from turboattn import flashq_attention
N, D, mode = 4096, 128, sys.argv[1]
q, k, v = (torch.randn(8, 32, N, D, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)
for _ in range(2):
    flashq_attention(q, k, v, out=out, softmax=mode)
torch.cuda.synchronize()
PY
for m in sas exact; do
  timeout 120 ncu --kernel-name regex:prefill_kernel --launch-skip 1 --launch-count 1 \
    --metrics gpu__time_duration.sum,smsp__inst_executed.sum,smsp__issue_active.avg.per_cycle_active,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_not_selected_per_issue_active.ratio,sm__cycles_elapsed.avg.per_second \
    python3 /tmp/one.py $m 2>&1 | grep -E "prefill_kernel|gpu__|smsp__|sm__" | tee -a $OUT/ncu.txt
done
echo "ncu done ($(( $(date +%s) - t0 )) s)"
python3 benchmarks/timeline.py decode 1 32 32 32768 2>&1 | tail -8
python3 benchmarks/timeline.py decode 8 32 8 32768 2>&1 | tail -8
echo "all done ($(( $(date +%s) - t0 )) s)"
