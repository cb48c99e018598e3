#!/bin/bash
# session 5 run 6: instructions executed per SASS line of the pre-pass quantizer (ncu source view).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
ls turboattn/_C*.so > /dev/null 2>&1 || TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1
cat > /tmp/one.py <<'PY'
import torch, turboattn as ta
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
for _ in range(2): ta.flashq_attention(q, k, v)
torch.cuda.synchronize()
PY
timeout 200 ncu --section SourceCounters --section InstructionStats -k regex:quantize_blocks -s 1 -c 1 -o /tmp/q_src -f python3 /tmp/one.py > $OUT/ncu.log 2>&1
echo "ncu rc=$?"
ncu -i /tmp/q_src.ncu-rep --page source --csv --print-source sass > $OUT/q_source.csv 2>&1; echo "export rc=$? $(wc -l < $OUT/q_source.csv)"
ncu -i /tmp/q_src.ncu-rep --page details > $OUT/q_details.txt 2>&1
gzip $OUT/q_source.csv
