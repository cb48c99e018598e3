"""Session 12: the residual rows where the plan puts them (default), in the warp kernel
(TURBOATTN_DECODE_RESIDUAL=warp) and in the CTA kernel (=cta), same build, alternating. For the four benchmark shapes at 4 bits (and one at 2
bits), N = the shape's N and N - 27 (37 residual rows): the raw binding's median time (decode.py's turbo_time) and
SDPA's best backend on the same k, v. Prints one line per case and mode."""
import os
import sys
sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
import torch
import decode as d
from turboattn.cuda_kv import quantize_kv_cuda
SHAPES = ((1, 32, 32, 32768, 4), (8, 32, 8, 32768, 4), (16, 32, 8, 8192, 4), (1, 32, 8, 131072, 4), (1, 32, 32, 32768, 2))
for (B, Hq, Hkv, N0, bits) in SHAPES:
    for N in (N0, N0 - 27):
        q, k, v = d.make_inputs(B, Hq, Hkv, N)
        cache = quantize_kv_cuda(k, v, bits=bits)
        s = d.sdpa_times(q, k, v)
        best = min(x["ms"] for n, x in s.items() if not n.startswith("_") and "ms" in x)
        res = {"plan": [], "warp": [], "cta": []}
        for rep in range(2):
            for mode in res:
                os.environ["TURBOATTN_DECODE_RESIDUAL"] = mode
                t, _ = d.turbo_time(q, cache)
                res[mode].append(t["ms"])
        os.environ.pop("TURBOATTN_DECODE_RESIDUAL", None)
        for mode, ts in res.items():
            m = min(ts)
            print(f"({B},{Hq},{Hkv},{N}) {bits}-bit residual {cache.n_residual} {mode}: turbo {m:.4f} ms "
                  f"({' '.join(f'{x:.4f}' for x in ts)}), best SDPA {best:.4f} ms, ratio {best / m:.2f}", flush=True)
        del cache, q, k, v
        torch.cuda.empty_cache()
