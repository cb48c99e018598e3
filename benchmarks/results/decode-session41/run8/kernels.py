"""Session 41 run 8: the kernels of one decode call at D = 256 with and without 37 residual rows, from torch.profiler
(CUPTI): each kernel's start (from the call's first kernel) and duration, for the last of five calls."""
import math
import os
import sys

import torch
from torch.profiler import ProfilerActivity, profile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

D = int(os.environ.get("RES_D", "256"))
g = torch.Generator(device="cuda").manual_seed(0)
for spec in sys.argv[1].split(";"):
    B, Hq, Hkv, N = (int(x) for x in spec.split(","))
    k = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    for label, cache in (("no residual", quantize_kv_cuda(k[:, :, :N].contiguous(), v[:, :, :N].contiguous(), bits=4)),
                         ("37 residual", quantize_kv_cuda(k, v, bits=4))):
        f = lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(D), False, False, 8, False)  # noqa: E731
        for _ in range(5):
            f()
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(5):
                f()
            torch.cuda.synchronize()
        evs = sorted((e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA),
                     key=lambda e: e.time_range.start)
        last = evs[-len(evs) // 5:]
        t0 = last[0].time_range.start
        print(f"({B},{Hq},{Hkv},{N}) D={D} {label}: " + " | ".join(
            f"{e.name[:28]} +{e.time_range.start - t0:.1f} {e.time_range.end - e.time_range.start:.1f}us" for e in last),
            flush=True)
