"""Session 10: host time per decode call on a cache so small (one block) that the GPU never holds the host back:
the raw binding, the public API (out made in C), the API with out=, and the pieces (q's import, the cache's
attributes). Wall clock per call, calls back to back (decode_overhead.host_us)."""
import math, os, sys
sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "benchmarks")]
import torch
import turboattn as ta
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda
from decode_overhead import host_us
for N in (64, 65):
    k = torch.randn(1, 32, N, 128, device="cuda", dtype=torch.float16)
    q = torch.randn(1, 32, 1, 128, device="cuda", dtype=torch.float16)
    cache = quantize_kv_cuda(k, k, bits=4)
    out = torch.empty_like(q)
    calls = {
        "raw binding": lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False),
        "flashq_attention(q, kv=cache)": lambda: ta.flashq_attention(q, kv=cache),
        "flashq_attention(q, kv=cache, out=out)": lambda: ta.flashq_attention(q, kv=cache, out=out),
        "view_info(q)": lambda: _C.view_info(q, "q"),
        "view_info(out, writable)": lambda: _C.view_info(out, "out", True),
    }
    print(f"N = {N} ({'blocks only' if N == 64 else 'a block and a residual row'}):")
    for name, f in calls.items():
        print(f"  {name:42s} {host_us(f, n=400):6.1f} us", flush=True)
