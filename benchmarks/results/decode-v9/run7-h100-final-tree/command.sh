#!/bin/bash
# session 10 run 7: the final tree: GPU suite, what a PyTorch tensor that requires grad does as q and as out
# (through the exchange table), decode.py once.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? $(( $(date +%s) - t0 )) s"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?: $(tail -1 $OUT/pytest.log)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest.log | head -30
python3 - <<'PY'
import torch, turboattn as ta
k = torch.randn(1, 2, 200, 64, device="cuda", dtype=torch.float16)
cache = ta.quantize_kv(k, torch.randn_like(k), bits=4)
q = torch.randn(1, 4, 1, 64, device="cuda", dtype=torch.float16, requires_grad=True)
for label, call in (("q requires grad", lambda: ta.flashq_attention(q, kv=cache)),
                    ("out requires grad", lambda: ta.flashq_attention(q.detach(), kv=cache, out=torch.zeros_like(q)))):
    try:
        r = call(); torch.cuda.synchronize(); print(label, "->", type(r).__name__)
    except Exception as e:
        print(label, "->", type(e).__name__, str(e)[:120])
try:
    q.__dlpack__(); print("torch __dlpack__ on a grad tensor: accepted")
except Exception as e:
    print("torch __dlpack__ on a grad tensor:", type(e).__name__, str(e)[:100])
PY
mkdir -p $OUT/bench; timeout 150 python3 benchmarks/decode.py --out $OUT/bench > $OUT/bench/log 2>&1; echo "decode rc=$?"
grep -E "^\| [0-9]" $OUT/bench/decode.md; rm -f $OUT/bench/log $OUT/build.log
echo "total: $(( $(date +%s) - t0 )) s"
