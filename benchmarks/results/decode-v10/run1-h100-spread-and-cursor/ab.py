"""Session 11 A/B (kernel changes): per benchmark shape, 4 and 2 bits, the raw binding's time (decode.py's turbo_time),
one process per tree. Prints one line per (shape, bits) and an ALL line: 4-bit x4 shapes, then 2-bit x4."""
import os
import sys
sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
import torch
import decode as d
from turboattn.cuda_kv import quantize_kv_cuda
res = {4: [], 2: []}
for (B, Hq, Hkv, N) in d.CONFIGS:
    q, k, v = d.make_inputs(B, Hq, Hkv, N)
    for bits in (4, 2):
        cache = quantize_kv_cuda(k, v, bits=bits)
        t, _ = d.turbo_time(q, cache)
        res[bits].append(t["ms"])
        print(f"({B},{Hq},{Hkv},{N}) {bits}-bit {t['ms']:.4f} ms (min {t['min_ms']:.4f})", flush=True)
        del cache
    del q, k, v
    torch.cuda.empty_cache()
print("ALL " + " ".join(f"{x:.4f}" for x in res[4] + res[2]))
