#!/bin/bash
# session 14 run 2 (H100): exact softmax on the SFU (exp2_sfu, exp2_code); build, prefill parity tests, exact vs SAS in
# turns with SDPA (SAS code unchanged: the reference within the run), ncu instruction counts.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name --format=csv
if [ -z "${NO_BUILD:-}" ]; then
  TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
fi
python3 benchmarks/results/prefill-v12/run1-h100-exact-vs-sas/exact_vs_sas.py 2>&1 | tee $OUT/exact.txt
echo "bench done ($(( $(date +%s) - t0 )) s)"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py -x > $OUT/tests.log 2>&1
echo "tests rc=$? ($(( $(date +%s) - t0 )) s)"; tail -1 $OUT/tests.log; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -8
cat > /tmp/one.py <<'PY'
import sys, torch
from turboattn import flashq_attention
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)
for _ in range(2):
    flashq_attention(q, k, v, out=out, softmax=sys.argv[1])
torch.cuda.synchronize()
PY
timeout 100 ncu --kernel-name regex:prefill_kernel --launch-skip 1 --launch-count 1 \
    --metrics gpu__time_duration.sum,smsp__inst_executed.sum,smsp__issue_active.avg.per_cycle_active,smsp__inst_executed_pipe_xu.sum \
    python3 /tmp/one.py exact 2>&1 | grep -E "prefill_kernel|gpu__|smsp__" | tee $OUT/ncu.txt
echo "all done ($(( $(date +%s) - t0 )) s)"
