#!/bin/bash
# session 5: wgmma prefill with S look-ahead and setmaxnreg: parity of every row, quick bench, memcheck on wgmma rows.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest.log 2>&1
echo "pytest rc=$?"; tail -5 $OUT/pytest.log
timeout 300 python3 benchmarks/prefill.py --out $OUT --quick --variants 0 4 5 --no-ceilings --reps 10 > $OUT/bench.log 2>&1
echo "bench rc=$?"; grep -A8 "Other kernel" $OUT/bench.log
cat > /tmp/san.py <<'PY'
import os, numpy as np
from turboattn import _C, _buffers
rng = np.random.default_rng(0)
for (B, Hq, Hkv, Nq, Nk, D, causal, var) in [(1, 4, 2, 150, 270, 128, True, "5"), (1, 2, 2, 200, 130, 64, True, "4"),
                                              (1, 2, 1, 300, 300, 128, False, "5")]:
    os.environ["TURBOATTN_PREFILL_VARIANT"] = var
    q = rng.standard_normal((B, Hq, Nq, D)).astype(np.float16)
    k, v = (rng.standard_normal((B, Hkv, Nk, D)).astype(np.float16) for _ in range(2))
    out = _buffers.from_numpy(np.full(q.shape, np.nan, np.float16))
    lse = _buffers.from_numpy(np.full((B, Hq, Nq), np.nan, np.float32))
    _C.cuda_attention(*(_buffers.from_numpy(x) for x in (q, k, v)), out, lse, causal=causal)
    assert np.isfinite(_buffers.to_numpy(out)).all()
print("sanitize case done")
PY
for tool in memcheck racecheck synccheck; do
  timeout 120 compute-sanitizer --tool $tool python3 /tmp/san.py > $OUT/san_$tool.txt 2>&1; echo "$tool rc=$? $(grep -E 'SUMMARY' $OUT/san_$tool.txt)"
done
