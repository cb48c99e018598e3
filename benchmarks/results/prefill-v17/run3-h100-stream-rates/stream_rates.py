"""Session 20 (prefill-v17 run 3): what a plain streaming kernel reaches on this GPU with the pre-pass's byte mix.
The pre-pass reads 2 bytes (fp16) and writes 1 byte (int8) per element, about 1.2 GB at N = 4k, D = 128, and runs
at about 2.3 TB/s (v14). Kernels here (CuPy RawKernel, 16-byte loads, grid-stride, 8 blocks of 256 threads per SM
or as many as the occupancy allows): read-only, read 2 : write 1, and copy 1 : 1, over the same 805 MB of fp16 that
q, k and v hold at B * N = 32k, H = 32, D = 128. Median of 20 runs, CUDA events."""
import pathlib
import sys

import cupy as cp

SRC = """
extern "C" __global__ void read_only(const uint4 *__restrict__ src, size_t n, unsigned *sink) {
    unsigned acc = 0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint4 v = __ldcs(src + i);
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x12345678u) sink[0] = acc;
}
extern "C" __global__ void read2_write1(const uint4 *__restrict__ src, size_t n, uint2 *__restrict__ dst) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint4 v = __ldcs(src + i);
        __stcs(dst + i, make_uint2(v.x ^ v.y, v.z ^ v.w));
    }
}
extern "C" __global__ void copy(const uint4 *__restrict__ src, size_t n, uint4 *__restrict__ dst) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        __stcs(dst + i, __ldcs(src + i));
}
"""
mod = cp.RawModule(code=SRC, options=("-std=c++17",))
nbytes = 3 * 32768 * 32 * 128 * 2
n = nbytes // 16
src = cp.random.randint(0, 2**31, size=nbytes // 4, dtype=cp.int32)
out16 = cp.empty(nbytes // 4, dtype=cp.int32)
out8 = cp.empty(nbytes // 8, dtype=cp.int32)
sink = cp.zeros(1, dtype=cp.uint32)
sms = cp.cuda.Device().attributes["MultiProcessorCount"]


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from cupy_timed import timed  # noqa: E402  (prefill-v17/cupy_timed.py)


for per_sm in (4, 8, 16, 32):
    grid = (sms * per_sm,)
    r = timed(lambda: mod.get_function("read_only")(grid, (256,), (src, cp.uint64(n), sink)))
    w = timed(lambda: mod.get_function("read2_write1")(grid, (256,), (src, cp.uint64(n), out8)))
    c = timed(lambda: mod.get_function("copy")(grid, (256,), (src, cp.uint64(n), out16)))
    print(f"{per_sm:2d} CTAs/SM: read-only {nbytes / r / 1e9:.2f} TB/s ({r:.3f} ms) | read 2 : write 1 "
          f"{1.5 * nbytes / w / 1e9:.2f} TB/s ({w:.3f} ms) | copy {2 * nbytes / c / 1e9:.2f} TB/s ({c:.3f} ms)", flush=True)

# The attention call's own pre-pass kernel at N = 4k, D = 128 (q, k, v through one launch), from a profiler trace.
import torch
from torch.profiler import ProfilerActivity, profile
from turboattn import flashq_attention
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)
for _ in range(3):
    flashq_attention(q, k, v, causal=True, out=out, softmax="exact")
torch.cuda.synchronize()
with profile(activities=[ProfilerActivity.CUDA]) as prof:
    for _ in range(10):
        flashq_attention(q, k, v, causal=True, out=out, softmax="exact")
    torch.cuda.synchronize()
for e in prof.key_averages():
    if "quantize" in e.key or "prefill_kernel" in e.key:
        us = e.device_time_total / e.count if hasattr(e, "device_time_total") else e.cuda_time_total / e.count
        print(f"{e.key[:60]:60s} {e.count:3d} calls, {us:8.1f} us each", flush=True)
moved = 3 * 8 * 32 * 4096 * 128 * 3  # read 2 bytes and write 1 per element of q, k, v
print(f"pre-pass bytes {moved / 1e9:.3f} GB")
