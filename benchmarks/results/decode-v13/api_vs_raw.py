"""Session 14: the decode call through the public API against the raw binding, timed in turns (CUDA events around
one call, as decode.py), and the host time of each form (50 calls back to back, no sync between)."""
import math, os, statistics, sys, time
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # benchmarks/
from prefill import interleaved_ms
from turboattn import _C, flashq_attention
from turboattn.cuda_kv import quantize_kv_cuda

for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768)]:
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16)
    cache = quantize_kv_cuda(k, torch.randn_like(k), bits=4)
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16)
    out = torch.empty_like(q)
    forms = {"raw": lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False),
             "api": lambda: flashq_attention(q, kv=cache),
             "api_out": lambda: flashq_attention(q, kv=cache, out=out),
             "c_attention_kv": lambda: _C.attention_kv(q, cache, None, None, None, False, False, 8, False, 0, False)}
    res = interleaved_ms(list(forms.values()), 40)
    host = {}
    for name, f in forms.items():
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(50):
            f()
        host[name] = (time.perf_counter() - t0) / 50 * 1e6
        torch.cuda.synchronize()
    print(f"({B},{Hq},{Hkv},{N}): " + "  ".join(f"{n} {ms:.4f} ms (host {host[n]:.1f} us/call)"
                                                for n, (ms, _) in zip(forms, res)), flush=True)
    del k, cache, q, out
    torch.cuda.empty_cache()
