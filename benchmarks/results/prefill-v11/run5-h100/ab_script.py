"""Session 13 run 5: the prefill grid head-major (default) vs tile-major (TURBOATTN_PREFILL_RASTER=tile), timed in
turns (rep i of each, then rep i + 1) on the same inputs, B*N = 32k tokens, H = 32, FP16."""
import os, statistics, sys
import torch
from turboattn import flashq_attention

def timed(fn):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); fn(); e.record(); e.synchronize()
    return s.elapsed_time(e)

for N in (1024, 4096, 16384):
    for D in (128, 64):
        for causal in (False, True):
            B = 32768 // N
            g = torch.Generator(device="cuda").manual_seed(N + D + causal)
            q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
            out = torch.empty_like(q)
            def run(r):
                os.environ["TURBOATTN_PREFILL_RASTER"] = r
                flashq_attention(q, k, v, causal=causal, out=out)
            for r in ("head", "tile", "head", "tile"):
                run(r)
            torch.cuda.synchronize()
            t = {"head": [], "tile": []}
            for i in range(12):
                for r in (("head", "tile") if i % 2 == 0 else ("tile", "head")):
                    t[r].append(timed(lambda: run(r)))
            h, ti = statistics.median(t["head"]), statistics.median(t["tile"])
            print(f"N={N:6d} D={D:3d} causal={causal!s:5}  head {h:7.3f} ms  tile {ti:7.3f} ms  tile/head {ti / h:.3f}", flush=True)
            del q, k, v, out
            torch.cuda.empty_cache()
