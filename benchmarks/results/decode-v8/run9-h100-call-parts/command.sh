#!/bin/bash
# session 9 run 9: where one decode call's time goes besides the warp kernel: ncu (clocks not locked) on the
# three kernels of one call (q's finite check, the warp kernel, the combine kernel), against the CUDA-event
# time of the whole call (decode.py's turbo_time) for two shapes at 4 bits.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
sed -n '/^cat > \/tmp\/profile_decode_case.py/,/^PY$/p' benchmarks/gpu_profile_decode.sh | sed '1d;$d' > /tmp/case.py
for shape in "1 32 32 32768" "16 32 8 8192" "8 32 8 32768"; do
  echo "== $shape 4-bit"
  timeout 200 ncu --clock-control none --metrics gpu__time_duration.sum -k regex:"dec_q_finite|decode_warp|combine_kernel" \
      -s 3 -c 3 python3 /tmp/case.py $shape 4 > $OUT/ncu.log 2>&1
  grep -E "^  [a-z_]+.*\(|gpu__time_duration" $OUT/ncu.log | sed 's/(dec_args.*//; s/(comb_args.*//; s/ *$//'
done
cat > /tmp/evt.py <<'PY'
import sys, torch
sys.path.insert(0, "benchmarks")
import decode as d
from turboattn.cuda_kv import quantize_kv_cuda
for (B, Hq, Hkv, N) in [(1, 32, 32, 32768), (16, 32, 8, 8192), (8, 32, 8, 32768)]:
    q, k, v = d.make_inputs(B, Hq, Hkv, N)
    cache = quantize_kv_cuda(k, v, bits=4)
    t, _ = d.turbo_time(q, cache)
    print(f"({B},{Hq},{Hkv},{N}) 4-bit call {t['ms']:.4f} ms (min {t['min_ms']:.4f})", flush=True)
PY
python3 /tmp/evt.py
rm -f $OUT/build.log
echo "total: $(( $(date +%s) - t0 )) s"
