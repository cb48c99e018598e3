#!/bin/bash
# session 5 run 4: same-machine A/B of the wgmma row's P V as two halves (row 0) or one product (row 1), D=128;
# and a torch-profiler split of one call into its kernels.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
timeout 100 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py -k variants > $OUT/pytest.log 2>&1
echo "pytest rc=$?"; tail -2 $OUT/pytest.log
timeout 300 python3 benchmarks/prefill.py --out $OUT --variants 0 1 2 --dims 128 --no-ceilings --reps 20 > $OUT/bench.log 2>&1
echo "bench rc=$?"; grep -A12 "Other kernel" $OUT/bench.log
mkdir -p /tmp/b2; timeout 300 python3 benchmarks/prefill.py --out /tmp/b2 --variants 1 0 --dims 128 --no-ceilings --reps 20 > $OUT/bench2.log 2>&1
echo "bench2 rc=$?"; grep -A12 "Other kernel" $OUT/bench2.log
cat > /tmp/split.py <<'PY'
import torch, turboattn as ta
from torch.profiler import profile, ProfilerActivity
for D in (128, 64):
    q, k, v = (torch.randn(8, 32, 4096, D, device="cuda", dtype=torch.float16) for _ in range(3))
    out = torch.empty_like(q)
    for _ in range(3): ta.flashq_attention(q, k, v, out=out)
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(5): ta.flashq_attention(q, k, v, out=out)
        torch.cuda.synchronize()
    print(f"D={D}"); print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=6, max_name_column_width=60))
PY
timeout 120 python3 /tmp/split.py > $OUT/split.txt 2>&1; echo "split rc=$?"; grep -E "D=|prefill|quant|Name" $OUT/split.txt | cut -c1-160
