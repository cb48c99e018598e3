"""Session 10 A/B: per benchmark shape, 4-bit, the raw binding's time (decode.py's turbo_time) and the public API's
(flashq_attention(q, kv=cache), decode.py's api_time with 30 repetitions), one process per tree/setting.
Prints one line per shape and an ALL line: raw ms x4, then api ms x4."""
import os
import sys
sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
import torch
import decode as d
from turboattn.attention import flashq_attention
from turboattn.cuda_kv import quantize_kv_cuda
raw, api = [], []
for (B, Hq, Hkv, N) in d.CONFIGS:
    q, k, v = d.make_inputs(B, Hq, Hkv, N)
    cache = quantize_kv_cuda(k, v, bits=4)
    t, _ = d.turbo_time(q, cache)
    a = d.cuda_time(lambda: flashq_attention(q, kv=cache), warmup=5, reps=30)[0]
    raw.append(t["ms"]), api.append(a)
    print(f"({B},{Hq},{Hkv},{N}) raw {t['ms']:.4f} ms api {a:.4f} ms", flush=True)
    del cache, q, k, v
    torch.cuda.empty_cache()
print("ALL " + " ".join(f"{x:.4f}" for x in raw + api))
