#!/bin/bash
# One device call: build, the CUDA tests, then Nsight Compute on one decode launch (B=1, Hq=Hkv=32,
# N=32k, 4-bit, D=128) and one prefill launch (B=8, H=32, N=4096, D=128, non-causal), with the sections
# that say where the time goes (speed of light, warp stalls, occupancy, memory). Usage:
#   OUT=/dir bash benchmarks/gpu_profile.sh
set -o pipefail
OUT=${OUT:-/tmp/gpu_profile}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
python3 -m pytest -q -p no:cacheprovider tests/test_cuda_kv.py tests/test_cuda_parity.py tests/test_cuda_memory.py \
    tests/test_dlpack.py > "$OUT/pytest_cuda.log" 2>&1
echo "cuda tests rc=$?: $(tail -1 "$OUT/pytest_cuda.log")"
grep -E "^(FAILED|ERROR)" "$OUT/pytest_cuda.log" | head
cat > /tmp/profile_case.py <<'PY'
import sys, numpy as np, torch, turboattn as ta
rng = np.random.default_rng(0)
def t(*s): return torch.from_numpy(rng.standard_normal(s).astype(np.float16)).cuda()
if sys.argv[1] == "decode":
    k, v = t(1, 32, 32768, 128), t(1, 32, 32768, 128)
    cache = ta.quantize_kv(k, v, bits=4)
    q = t(1, 32, 1, 128)
    for _ in range(3):
        ta.flashq_attention(q, kv=cache, causal=True)
else:
    q, k, v = t(8, 32, 4096, 128), t(8, 32, 4096, 128), t(8, 32, 4096, 128)
    for _ in range(3):
        ta.flashq_attention(q, k, v)
torch.cuda.synchronize()
PY
SECTIONS="--section SpeedOfLight --section WarpStateStats --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis --section SchedulerStats"
PYTHONPATH=$PWD timeout 150 ncu $SECTIONS -k regex:decode_kernel -s 2 -c 1 python3 /tmp/profile_case.py decode > "$OUT/ncu_decode.txt" 2>&1
echo "ncu decode rc=$?"
PYTHONPATH=$PWD timeout 150 ncu $SECTIONS -k regex:prefill_kernel -s 2 -c 1 python3 /tmp/profile_case.py prefill > "$OUT/ncu_prefill.txt" 2>&1
echo "ncu prefill rc=$?"
for f in decode prefill; do
    echo "== $f"
    grep -E "Duration|Memory Throughput|DRAM Throughput|Compute \(SM\) Throughput|Achieved Occupancy|Theoretical Occupancy|Registers Per|Issue Slots Busy|No Eligible|Stall|Warp Cycles Per Issued" "$OUT/ncu_$f.txt" | head -24
done
