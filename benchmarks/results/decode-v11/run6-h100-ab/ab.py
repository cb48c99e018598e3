"""Session 12 A/B: the raw binding's 4-bit decode time (decode.py's turbo_time, min of 2) for the four benchmark
shapes at N and N - 27 (37 residual rows), in whatever tree is on PYTHONPATH. One line per case."""
import os
import sys
sys.path.insert(0, os.path.join(os.environ.get("AB_ROOT", os.getcwd()), "benchmarks"))
import torch
import decode as d
from turboattn.cuda_kv import quantize_kv_cuda
tag = sys.argv[1]
for (B, Hq, Hkv, N0) in ((1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)):
    for N in (N0, N0 - 27):
        q, k, v = d.make_inputs(B, Hq, Hkv, N)
        cache = quantize_kv_cuda(k, v, bits=4)
        ts = [d.turbo_time(q, cache)[0]["ms"] for _ in range(2)]
        print(f"{tag} ({B},{Hq},{Hkv},{N}) res {cache.n_residual}: {min(ts):.4f} ms", flush=True)
        del cache, q, k, v
        torch.cuda.empty_cache()
