"""Session 20 (prefill-v17 run 4): which part of the pre-pass's form costs its 80-90 us over a plain streaming kernel
(run 3). Kernels over the same 805 MB of fp16 (q, k, v at B * N = 32k, H = 32, D = 128), reading 2 bytes and writing
1 per element, median of 20 runs:
- stream_cs / stream_plain: grid-stride, 16-byte loads, 8-byte stores, with and without the streaming cache hints;
- block_form: the pre-pass's shape without its arithmetic: one CTA of 256 threads per 64-row block of 16 KB, each
  thread four 16-byte loads issued together, a block-wide maximum (shuffles, shared memory, one barrier), then
  four 8-byte stores of a byte per element;
- block_form2: the same CTA taking two blocks, the second block's loads issued before the first block's reduction."""
import pathlib
import sys

import cupy as cp

SRC = r"""
#include <cuda_fp16.h>
template <bool CS> __device__ __forceinline__ uint4 ld16(const uint4 *p) { return CS ? __ldcs(p) : *p; }
template <bool CS> __device__ __forceinline__ void st8(uint2 *p, uint2 v) { if (CS) __stcs(p, v); else *p = v; }
template <bool CS> __device__ void stream(const uint4 *__restrict__ src, size_t n, uint2 *__restrict__ dst) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint4 v = ld16<CS>(src + i);
        st8<CS>(dst + i, make_uint2(v.x ^ v.y, v.z ^ v.w));
    }
}
extern "C" __global__ void stream_cs(const uint4 *src, size_t n, uint2 *dst) { stream<true>(src, n, dst); }
extern "C" __global__ void stream_plain(const uint4 *src, size_t n, uint2 *dst) { stream<false>(src, n, dst); }

__device__ __forceinline__ float amax8(uint4 v) {
    __half2 m = __habs2(*(__half2 *)&v.x);
    m = __hmax2(m, __habs2(*(__half2 *)&v.y)); m = __hmax2(m, __habs2(*(__half2 *)&v.z)); m = __hmax2(m, __habs2(*(__half2 *)&v.w));
    float2 f = __half22float2(m);
    return fmaxf(f.x, f.y);
}
__device__ __forceinline__ uint2 codes8(uint4 v, float inv) {
    unsigned w[4] = {v.x, v.y, v.z, v.w}, o[2] = {0, 0};
    for (int i = 0; i < 4; i++) {
        float2 f = __half22float2(*(__half2 *)&w[i]);
        unsigned a = __float_as_uint(f.x * inv + 12582912.0f) & 0xffu, b = __float_as_uint(f.y * inv + 12582912.0f) & 0xffu;
        o[i >> 1] |= (a | b << 8) << (16 * (i & 1));
    }
    return make_uint2(o[0], o[1]);
}
__device__ float block_max(float m, float *red) {
    for (int o = 16; o; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = m;
    __syncthreads();
    m = red[0];
    for (int w = 1; w < 8; w++) m = fmaxf(m, red[w]);
    return m;
}
/* one 64 x 128 fp16 block = 1024 uint4; thread t loads t, t + 256, t + 512, t + 768 */
extern "C" __global__ void __launch_bounds__(256, 5) block_form(const uint4 *__restrict__ src, uint2 *__restrict__ dst) {
    __shared__ float red[8];
    const size_t base = (size_t)blockIdx.x * 1024;
    uint4 x[4];
    for (int k = 0; k < 4; k++) x[k] = src[base + threadIdx.x + 256 * k];
    float m = 0.0f;
    for (int k = 0; k < 4; k++) m = fmaxf(m, amax8(x[k]));
    m = block_max(m, red);
    const float inv = 127.0f / fmaxf(m, 1e-30f);
    for (int k = 0; k < 4; k++) dst[base + threadIdx.x + 256 * k] = codes8(x[k], inv);
}
extern "C" __global__ void __launch_bounds__(256, 4) block_form2(const uint4 *__restrict__ src, uint2 *__restrict__ dst, int nblocks) {
    __shared__ float red[2][8];
    for (int b0 = 2 * blockIdx.x; b0 < nblocks; b0 += 2 * gridDim.x) {
        uint4 x[2][4];
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 4; k++) x[h][k] = src[(size_t)(b0 + h) * 1024 + threadIdx.x + 256 * k];
        for (int h = 0; h < 2; h++) {
            float m = 0.0f;
            for (int k = 0; k < 4; k++) m = fmaxf(m, amax8(x[h][k]));
            m = block_max(m, red[h]);
            const float inv = 127.0f / fmaxf(m, 1e-30f);
            for (int k = 0; k < 4; k++) dst[(size_t)(b0 + h) * 1024 + threadIdx.x + 256 * k] = codes8(x[h][k], inv);
        }
        __syncthreads();
    }
}
"""
mod = cp.RawModule(code=SRC, options=("-std=c++17",))
nbytes = 3 * 32768 * 32 * 128 * 2
n = nbytes // 16
nblocks = nbytes // (64 * 128 * 2)
src = cp.random.standard_normal(nbytes // 2, dtype=cp.float32).astype(cp.float16)
dst = cp.empty(nbytes // 8, dtype=cp.int32)
sms = cp.cuda.Device().attributes["MultiProcessorCount"]


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from cupy_timed import timed  # noqa: E402  (prefill-v17/cupy_timed.py)


def show(name, ms):
    print(f"{name:28s} {ms:.3f} ms  {1.5 * nbytes / ms / 1e9:.2f} TB/s", flush=True)


for per_sm in (8, 32):
    grid = (sms * per_sm,)
    show(f"stream_cs {per_sm}/SM", timed(lambda: mod.get_function("stream_cs")(grid, (256,), (src, cp.uint64(n), dst))))
    show(f"stream_plain {per_sm}/SM", timed(lambda: mod.get_function("stream_plain")(grid, (256,), (src, cp.uint64(n), dst))))
show("block_form", timed(lambda: mod.get_function("block_form")((nblocks,), (256,), (src, dst))))
for per_sm in (2, 4):
    show(f"block_form2 {per_sm}/SM", timed(lambda: mod.get_function("block_form2")((sms * per_sm,), (256,), (src, dst, cp.int32(nblocks)))))
