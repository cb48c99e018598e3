#!/bin/bash
# session 20 run 12 (H100): ncu source counters (SASS with execution counts and stall samples) of the default D = 128
# kernel, softmax="exact", N = 4k causal, B = 2 (one call after two warm-ups). Tree d26dc48 (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$?"
cat > /tmp/causal_one.py <<'PY'
import torch, turboattn as ta
q, k, v = (torch.randn(2, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
for _ in range(3):
    ta.flashq_attention(q, k, v, causal=True, softmax="exact")
torch.cuda.synchronize()
PY
ncu --section SourceCounters --section WarpStateStats -k regex:prefill_kernel -s 2 -c 1 -o /tmp/c_src -f python3 /tmp/causal_one.py > $OUT/ncu.log 2>&1
echo "ncu rc=$?"
ncu -i /tmp/c_src.ncu-rep --page source --csv --print-source sass > /tmp/source_sass.csv 2>&1
echo "export rc=$? lines=$(wc -l < /tmp/source_sass.csv)"
gzip -c /tmp/source_sass.csv > $OUT/source_sass.csv.gz
