"""Session 42 run 4b: a call's host time (perf_counter around the raw binding, the GPU idle before each call) next to
its event time (CUDA events around the call) for no residual rows, 37 placed by the plan, in the warp kernel and in
the CTA kernel. The event time counts the host's work before the first launch; this tells it apart from the GPU's."""
import math
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

D = 128
g = torch.Generator(device="cuda").manual_seed(0)
for spec in sys.argv[1].split(";"):
    B, Hq, Hkv, N = (int(x) for x in spec.split(","))
    k = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    full = quantize_kv_cuda(k[:, :, :N].contiguous(), v[:, :, :N].contiguous(), bits=4)
    res = quantize_kv_cuda(k, v, bits=4)
    cases = [("none", full, None), ("37 plan", res, None), ("37 warp", res, "warp"), ("37 cta", res, "cta")]
    host = {n: [] for n, _, _ in cases}
    ev = {n: [] for n, _, _ in cases}
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for rep in range(30):
        for name, cache, place in cases:
            if place:
                os.environ["TURBOATTN_DECODE_RESIDUAL"] = place
            torch.cuda.synchronize()
            e0.record()
            t = time.perf_counter()
            _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(D), False, False, 8, False)
            t = time.perf_counter() - t
            e1.record()
            torch.cuda.synchronize()
            if place:
                del os.environ["TURBOATTN_DECODE_RESIDUAL"]
            if rep >= 5:
                host[name].append(t * 1e6)
                ev[name].append(e0.elapsed_time(e1) * 1e3)
    print(f"({B},{Hq},{Hkv},{N}) median us, host call / events: " +
          " | ".join(f"{n} {statistics.median(host[n]):.1f} / {statistics.median(ev[n]):.1f}" for n, _, _ in cases),
          flush=True)
