"""Session 11: what a residual window costs a decode step. For (1,32,32,N) and (8,32,8,N), 4-bit, N = 32768 (no
residual) and 32768 + 37 (37 residual rows), the raw binding's median time (decode.py's turbo_time) and SDPA's
best backend on the same k, v. Prints one line per case."""
import os
import sys
sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
import torch
import decode as d
from turboattn.cuda_kv import quantize_kv_cuda
for (B, Hq, Hkv) in ((1, 32, 32), (8, 32, 8)):
    for N in (32768, 32768 + 37):
        q, k, v = d.make_inputs(B, Hq, Hkv, N)
        cache = quantize_kv_cuda(k, v, bits=4)
        t, _ = d.turbo_time(q, cache)
        s = d.sdpa_times(q, k, v)
        best = min(x["ms"] for n, x in s.items() if not n.startswith("_") and "ms" in x)
        print(f"({B},{Hq},{Hkv},{N}) residual {cache.n_residual}: turbo {t['ms']:.4f} ms, best SDPA {best:.4f} ms, "
              f"ratio {best / t['ms']:.2f}", flush=True)
        del cache, q, k, v
        torch.cuda.empty_cache()
