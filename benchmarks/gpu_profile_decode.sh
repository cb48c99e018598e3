#!/bin/bash
# One device call: build, then Nsight Compute on the decode launches (per-warp tensor-core kernel, the CTA
# kernel it replaced, and the split combine) for one benchmark shape, with the sections that say where the
# time goes. BITS=4, 2 or mixed (heads alternate 4 and 2 bits, as in decode.py). NOBUILD=1 keeps the
# machine's last build. Usage: OUT=/dir [SHAPE="1 32 32 32768"] [BITS=4] bash benchmarks/gpu_profile_decode.sh
set -o pipefail
OUT=${OUT:-/tmp/gpu_profile_decode}
SHAPE=${SHAPE:-"1 32 32 32768"}
BITS=${BITS:-4}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
[ "${NOBUILD:-0}" = 1 ] || python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
cat > /tmp/profile_decode_case.py <<'PY'
import math, sys, torch
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda
B, Hq, Hkv, N = map(int, sys.argv[1:5])
bits = [2 if h % 2 else 4 for h in range(Hkv)] if sys.argv[5] == "mixed" else int(sys.argv[5])
g = torch.Generator(device="cuda").manual_seed(0)
k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
k[..., :4] *= 20
q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
cache = quantize_kv_cuda(k, v, bits=bits)
out = torch.empty_like(q)
for _ in range(3):
    _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
torch.cuda.synchronize()
PY
SECTIONS="--section SpeedOfLight --section WarpStateStats --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis --section SchedulerStats --section SourceCounters"
PYTHONPATH=$PWD timeout 200 ncu $SECTIONS -k regex:"decode_warp_kernel|combine_kernel" -s 2 -c 2 \
    python3 /tmp/profile_decode_case.py $SHAPE $BITS > "$OUT/ncu_decode_warp_$BITS.txt" 2>&1
echo "ncu rc=$?"
grep -E "decode_warp_kernel|combine_kernel|Duration|DRAM Throughput|Compute \(SM\) Throughput|Achieved Occupancy|Registers Per|Issue Slots Busy|No Eligible|Stall|Warp Cycles Per Issued|Eligible Warps|Active Warps" \
    "$OUT/ncu_decode_warp_$BITS.txt" | head -60
