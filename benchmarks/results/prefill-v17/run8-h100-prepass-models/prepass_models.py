"""Session 20 (prefill-v17 run 8): what separates the pre-pass kernel (837 warp-instructions per warp and 64-row
block, 187 of them before its first load; run 7) from run 4's block_form (195; 0.420 ms for q, k, v). Three forms
of block_form over the same 805 MB of fp16, median of 20 runs:
- late_start: a dependent chain of six 32-bit divisions by a runtime value before the loads (the pre-pass's CTA
  decode is about 190 instructions, most of them such divisions and 64-bit products);
- heavy: about 600 more independent instructions per warp after the loads (the pre-pass's per-element and
  per-group extras), folded into the codes through a runtime zero;
- both."""
import pathlib
import sys

import cupy as cp

base = (pathlib.Path(__file__).parents[1] / "run4-h100-stream-forms" / "stream_forms.py").read_text()
SRC = base.split('SRC = r"""')[1].split('"""')[0] + r"""
template <bool LATE, bool HEAVY>
__device__ void model(const uint4 *__restrict__ src, uint2 *__restrict__ dst, unsigned divisor, unsigned zero) {
    __shared__ float red[8];
    unsigned cta = blockIdx.x;
    if (LATE) {
        unsigned x = cta;
        for (int i = 0; i < 6; i++) x = x / divisor + cta;
        cta += x & zero;
    }
    const size_t base = (size_t)cta * 1024;
    uint4 x[4];
    for (int k = 0; k < 4; k++) x[k] = src[base + threadIdx.x + 256 * k];
    float m = 0.0f;
    for (int k = 0; k < 4; k++) m = fmaxf(m, amax8(x[k]));
    m = block_max(m, red);
    float inv = 127.0f / fmaxf(m, 1e-30f);
    if (HEAVY) {
        float a = inv, b = m;
        #pragma unroll 1
        for (int i = 0; i < 150; i++) a = fmaf(a, b, 1.0f), b = fmaf(b, a, 0.5f);
        inv += __uint_as_float(__float_as_uint(a + b) & zero);
    }
    for (int k = 0; k < 4; k++) dst[base + threadIdx.x + 256 * k] = codes8(x[k], inv);
}
extern "C" __global__ void __launch_bounds__(256, 5) late_start(const uint4 *s, uint2 *d, unsigned v, unsigned z) { model<true, false>(s, d, v, z); }
extern "C" __global__ void __launch_bounds__(256, 5) heavy(const uint4 *s, uint2 *d, unsigned v, unsigned z) { model<false, true>(s, d, v, z); }
extern "C" __global__ void __launch_bounds__(256, 5) both(const uint4 *s, uint2 *d, unsigned v, unsigned z) { model<true, true>(s, d, v, z); }
extern "C" __global__ void __launch_bounds__(256, 5) neither(const uint4 *s, uint2 *d, unsigned v, unsigned z) { model<false, false>(s, d, v, z); }
"""
mod = cp.RawModule(code=SRC, options=("-std=c++17",))
nbytes = 3 * 32768 * 32 * 128 * 2
nblocks = nbytes // (64 * 128 * 2)
src = cp.random.standard_normal(nbytes // 2, dtype=cp.float32).astype(cp.float16)
dst = cp.empty(nbytes // 8, dtype=cp.int32)


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from cupy_timed import timed  # noqa: E402  (prefill-v17/cupy_timed.py)


for _ in range(2):
    for name in ("neither", "late_start", "heavy", "both"):
        f = mod.get_function(name)
        ms = timed(lambda: f((nblocks,), (256,), (src, dst, cp.uint32(7), cp.uint32(0))))
        print(f"{name:12s} {ms:.3f} ms  {1.5 * nbytes / ms / 1e9:.2f} TB/s  ({f.num_regs} registers)", flush=True)
