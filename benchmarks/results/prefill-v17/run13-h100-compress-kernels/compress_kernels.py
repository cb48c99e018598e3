"""Session 20 (run 13): where quantize_kv_cuda's time goes for decode.py's 32k x 8-head compression (B = 1, Hkv = 8,
N = 32768, D = 128, fp16, 4 bits): the CUDA-event time of the call and its kernels (profiler, 10 calls)."""
import statistics

import torch
from torch.profiler import ProfilerActivity, profile

from turboattn.cuda_kv import quantize_kv_cuda

g = torch.Generator(device="cuda").manual_seed(1)
k = torch.randn(1, 8, 32768, 128, device="cuda", dtype=torch.float16, generator=g)
v = torch.randn_like(k)
for _ in range(3):
    quantize_kv_cuda(k, v, bits=4)
torch.cuda.synchronize()
ts = []
for _ in range(10):
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record(); quantize_kv_cuda(k, v, bits=4); b.record(); b.synchronize()
    ts.append(a.elapsed_time(b))
print(f"call {statistics.median(ts):.3f} ms (CUDA events, median of 10)", flush=True)
for bits in (4, [4, 2] * 4):
    kw = {"bits": bits}
    with profile(activities=[ProfilerActivity.CUDA, ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            quantize_kv_cuda(k, v, **kw)
        torch.cuda.synchronize()
    print(f"bits={bits}:", flush=True)
    for e in prof.key_averages():
        t = getattr(e, "device_time_total", 0)
        if t and e.count and ("kernel" in e.key.lower() or "memcpy" in e.key.lower() or "memset" in e.key.lower()):
            print(f"  {e.key[:60]:60s} {e.count:3d} x, {t / 10:8.1f} us per call", flush=True)
