#!/bin/bash
# One device call that checks everything GPU-side at once: build, the whole test suite (CUDA tests
# included), compute-sanitizer memcheck and racecheck over the CUDA kernels (prefill, compression,
# decode), and the quick decode benchmark. Usage: OUT=/dir bash benchmarks/gpu_check.sh
# STAGES picks some of "test sanitize bench"; NO_BUILD=1 uses the tree's existing build.
set -o pipefail
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv > "$OUT/gpu.txt" 2>&1
[[ ${NO_BUILD:-0} == 1 ]] || python3 setup.py -q build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
STAGES=${STAGES:-"test sanitize bench"}
if [[ $STAGES == *test* ]]; then
python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > "$OUT/pytest.log" 2>&1
echo "pytest rc=$?: $(tail -1 "$OUT/pytest.log")"
grep -E "^(FAILED|ERROR)" "$OUT/pytest.log" | head -20
fi
if [[ $STAGES == *sanitize* ]]; then
cat > /tmp/sanitize_all.py <<'PY'
import os, numpy as np, torch, turboattn as ta
rng = np.random.default_rng(5)
def t(*s, dt=np.float16): return torch.from_numpy(rng.standard_normal(s).astype(dt)).cuda()
cases = [(77, 130, 64, True), (64, 64, 128, False), (5, 200, 96, True), (6, 300, 256, False), (3, 150, 80, False),
         (3, 140, 112, False), (3, 150, 48, False)]
for (Nq, Nk, D, causal, residual) in [c + (m,) for m in ("plan", "warp") for c in cases]:
    # the residual rows where the plan puts them (the CTA kernel for these sizes), then in the warp kernel
    os.environ["TURBOATTN_DECODE_RESIDUAL"] = residual
    q, k, v = t(1, 4, Nq, D), t(1, 2, Nk, D), t(1, 2, Nk, D)
    ta.flashq_attention(q, k, v, causal=causal)
    ta.flashq_attention(q, k, v, causal=causal, softmax="exact")  # the SFU's exp2 (prefill kernels' EXP2_EXACT)
    cache = ta.quantize_kv(k, v, bits=[4, 2])
    cache.append(k[:, :, :3], v[:, :, :3])
    ta.flashq_attention(q[:, :, -3:], kv=cache, causal=causal, return_lse=True)
    ta.flashq_attention(q[:, :2, -1:], kv=cache, causal=causal)  # one query row per item (the one-row forms)
    ta.flashq_attention(q[:, :, -1:], kv=cache, causal=causal)  # two rows per item (the few-row forms; D = 256 by halves)
    ta.flashq_attention(q[:, :, -4:], kv=cache, causal=causal)  # eight: two items of the few-row form
    ta.flashq_attention(q[:, :, -5:], kv=cache, causal=causal)  # ten: items of 4, 4 and 2 rows
    ta._C.decode_rows_per_item(8)  # eight as one item (the few-row form over two quads at D = 128), and 8 + 2
    ta.flashq_attention(q[:, :, -4:], kv=cache, causal=causal)
    ta.flashq_attention(q[:, :, -5:], kv=cache, causal=causal)
    ta._C.decode_rows_per_item(0)
    ta.flashq_attention(q[:, :2, -1:], kv=cache, causal=causal, softmax="exact")  # the SFU pair in the warp kernel
    # an 8-bit cache, one row an item (the one-row form's 8-bit path; at D = 80, 96, 112 and 48 on wider lanes), then
    # two and eight rows a KV head (the 8-bit few-row kernels at D = 80-112 and 256, the few-row form at 48, the
    # general form at 64 and 128)
    cache8 = ta.quantize_kv(k, v, bits=8)
    ta.flashq_attention(q[:, :2, -1:], kv=cache8, causal=causal)
    ta.flashq_attention(q[:, :, -1:], kv=cache8, causal=causal)
    ta.flashq_attention(q[:, :, -4:], kv=cache8, causal=causal)
    bad = q[:, :, -3:].clone()
    bad[0, 1, 2, 3] = float("nan")
    try:  # q's NaN check: the decode kernels return without work
        ta.flashq_attention(bad, kv=cache, causal=causal)
    except ValueError:
        pass
    bad = q[:, :2, -1:].clone()
    bad[0, 1, 0, 3] = float("inf")
    try:  # the same on the one-row form, whose warp kernel checks q itself
        ta.flashq_attention(bad, kv=cache, causal=causal)
    except ValueError:
        pass
    # decode steps that append (k_new=): the tokens copied in the attention's own launches, then refused there
    ta.flashq_attention(q[:, :, -1:], kv=cache, k_new=k[:, :, :2], v_new=v[:, :, :2], causal=causal)
    bad = k[:, :, :2].clone()
    bad[0, 1, 1, 5] = float("nan")
    try:
        ta.flashq_attention(q[:, :2, -1:], kv=cache, k_new=bad, v_new=v[:, :, :2], causal=causal)
    except ValueError:
        pass
torch.cuda.synchronize()
print("sanitize cases done")
PY
: > "$OUT/sanitizer.txt"
for tool in memcheck racecheck; do
    echo "== compute-sanitizer --tool $tool" >> "$OUT/sanitizer.txt"
    PYTHONPATH=$PWD compute-sanitizer --tool $tool python3 /tmp/sanitize_all.py >> "$OUT/sanitizer.txt" 2>&1
    echo "rc=$?" >> "$OUT/sanitizer.txt"
done
grep -E "ERROR SUMMARY|RACECHECK SUMMARY|rc=|cases done" "$OUT/sanitizer.txt"
fi
[[ $STAGES == *bench* ]] || exit 0
python3 benchmarks/decode.py --out "$OUT" --quick > "$OUT/decode_bench.log" 2>&1
echo "decode bench rc=$?"; tail -12 "$OUT/decode_bench.log"
