#!/bin/bash
# One device-machine run for the CUDA prefill stage: build, SASS check, parity tests, compute-sanitizer
# (memcheck + racecheck on a small case), benchmark. Results go to $OUT (at most 8 files come back).
#
#   STAGES="build sass test sanitize bench" BENCH_ARGS="--quick --warps 0 4" bash benchmarks/gpu_prefill_run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prefill_out}
STAGES=${STAGES:-"build sass test sanitize bench"}
BENCH_ARGS=${BENCH_ARGS:-}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
has() { [[ " $STAGES " == *" $1 "* ]]; }
summary=()

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu \
    --format=csv > "$OUT/env.txt" 2>&1
python3 -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda)" >> "$OUT/env.txt" 2>&1
nvcc --version | tail -1 >> "$OUT/env.txt"
cat "$OUT/env.txt"

if has build; then
    start=$(date +%s)
    rm -rf build turboattn/_C*.so
    TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1
    rc=$?
    summary+=("build rc=$rc in $(( $(date +%s) - start )) s")
    if [ $rc -ne 0 ]; then tail -40 "$OUT/build.log"; printf '%s\n' "${summary[@]}"; exit 1; fi
fi

if has sass; then
    obj=$(ls build/temp*/cuda/attn_prefill.o)
    {
        nvcc -c -O3 -std=c++17 -Icsrc --expt-relaxed-constexpr -gencode=arch=compute_90a,code=sm_90a \
            --resource-usage csrc/attn_prefill.cu -o /tmp/p90.o 2>&1 | grep -E "Function properties|spill|Used" | paste - - -
        echo "IMMA per kernel (sm_90a):"
        cuobjdump -sass /tmp/p90.o | awk '/Function : /{name=$3} /IMMA/{n[name]++} END{for (k in n) print n[k], k}'
    } > "$OUT/sass.txt" 2>&1
    summary+=("sass: $(grep -c . "$OUT/sass.txt") lines, kernels with IMMA: $(grep -c prefill_kernel "$OUT/sass.txt")")
fi

if has test; then
    timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_cuda_parity.py > "$OUT/pytest.log" 2>&1
    summary+=("tests: $(tail -1 "$OUT/pytest.log")")
    tail -40 "$OUT/pytest.log"
fi

if has sanitize; then
    cat > /tmp/sanitize_case.py <<'EOF'
# Small cases for compute-sanitizer: odd lengths, GQA, causal, padded head dim, every EXP2 flavour.
import numpy as np
from turboattn import _C, _buffers
rng = np.random.default_rng(0)
for (B, Hq, Hkv, Nq, Nk, D, causal, kw) in [(1, 4, 2, 150, 70, 128, True, {}), (1, 2, 2, 130, 200, 64, False, {}),
                                             (1, 2, 1, 77, 77, 96, True, {"softmax_exact": True}),
                                             (1, 1, 1, 65, 65, 256, False, {"sas_threshold": 20})]:
    q = rng.standard_normal((B, Hq, Nq, D)).astype(np.float16)
    k, v = (rng.standard_normal((B, Hkv, Nk, D)).astype(np.float16) for _ in range(2))
    out = _buffers.from_numpy(np.full(q.shape, np.nan, np.float16))
    lse = _buffers.from_numpy(np.full((B, Hq, Nq), np.nan, np.float32))
    _C.cuda_attention(*(_buffers.from_numpy(x) for x in (q, k, v)), out, lse, causal=causal, **kw)
    assert np.isfinite(_buffers.to_numpy(out)).all()
codes, scales = _C.cuda_quantize_int8(_buffers.from_numpy(rng.standard_normal((1, 2, 70, 40)).astype(np.float32)))
print("sanitize case done")
EOF
    for tool in memcheck racecheck; do
        echo "== compute-sanitizer --tool $tool" >> "$OUT/sanitizer.txt"
        timeout 200 compute-sanitizer --tool $tool python3 /tmp/sanitize_case.py >> "$OUT/sanitizer.txt" 2>&1
        echo "rc=$?" >> "$OUT/sanitizer.txt"
    done
    summary+=("sanitizer: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/sanitizer.txt" | tr '\n' ' ')")
fi

if has bench; then
    timeout 400 python3 benchmarks/prefill.py --out "$OUT" $BENCH_ARGS > "$OUT/bench.log" 2>&1
    summary+=("bench rc=$?")
    grep -E "^N=" "$OUT/bench.log"
    [ -f "$OUT/prefill.md" ] && grep -E "^\|" "$OUT/prefill.md" | cut -c1-200 || tail -30 "$OUT/bench.log"
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
