#!/bin/bash
# session 5 run 5: pre-pass without F2I and per-group divisions; CUDA tests, kernel split, ncu of the
# quantizer, quick benchmark.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?"; tail -2 $OUT/pytest.log
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
timeout 120 python3 /tmp/split.py > $OUT/split.txt 2>&1; echo "split rc=$?"; grep -E "D=|prefill|quant" $OUT/split.txt | cut -c1-160
cat > /tmp/one.py <<'PY'
import torch, turboattn as ta
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
for _ in range(2): ta.flashq_attention(q, k, v)
torch.cuda.synchronize()
PY
timeout 200 ncu --section SpeedOfLight --section WarpStateStats --section Occupancy --section LaunchStats -k regex:quantize_blocks -s 1 -c 1 python3 /tmp/one.py > $OUT/ncu_quant.txt 2>&1
echo "ncu rc=$?"; grep -E "Duration|DRAM Throughput|Memory Throughput|Compute \(SM\)|Achieved Occupancy|Registers Per|Warp Cycles Per Issued|Stall|Issued Warp" $OUT/ncu_quant.txt | head -20
timeout 200 python3 benchmarks/prefill.py --out $OUT --quick --no-ceilings --reps 10 > $OUT/bench.log 2>&1
echo "bench rc=$?"; grep -E "^\| 4096" $OUT/prefill.md
