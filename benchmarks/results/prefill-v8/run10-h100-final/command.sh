#!/bin/bash
# session 5 run 7 (final candidate): pre-pass without the empty-group division path; whole GPU suite and
# sanitizers, kernel split, full prefill benchmark (default rows), quick decode benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
rm -rf build turboattn/_C*.so
OUT=$OUT STAGES="test sanitize" bash benchmarks/gpu_check.sh
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
    print(f"D={D} (5 calls)"); print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=6, max_name_column_width=60))
PY
timeout 120 python3 /tmp/split.py > $OUT/split.txt 2>&1; echo "split rc=$?"; grep -E "D=|prefill|quant" $OUT/split.txt | cut -c1-160
timeout 400 python3 benchmarks/prefill.py --out $OUT --reps 15 > $OUT/bench.log 2>&1
echo "bench rc=$?"; grep -E "^\| (1024|4096|16384)" $OUT/prefill.md
