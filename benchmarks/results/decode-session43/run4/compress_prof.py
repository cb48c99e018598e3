"""Session 43 run 4: why does building a cache from a 32k x 8-head prefill take 0.57-0.77 ms at D = 80 and 96 but 0.37
at D = 128 (decode.py's header lines)? For each head dim: the call's event time (median of 10) and its kernels'
times by torch.profiler (5 calls).
Usage: python3 compress_prof.py [D,D,...]"""
import os
import statistics
import sys

import torch
from torch.profiler import ProfilerActivity, profile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))  # the repository
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))  # benchmarks/
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402
from timing import median_ms  # noqa: E402

dims = [int(x) for x in sys.argv[1].split(",")] if len(sys.argv) > 1 else [64, 80, 96, 128, 256]
g = torch.Generator(device="cuda").manual_seed(0)
for D in dims:
    k = torch.randn(1, 8, 32768, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(1, 8, 32768, D, device="cuda", dtype=torch.float16, generator=g)
    fn = lambda: quantize_kv_cuda(k, v, bits=4)  # noqa: E731
    med, _ = median_ms(fn, 10, 2, 0.0)
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(5):
            fn()
        torch.cuda.synchronize()
    per = {}
    for e in prof.events():
        if e.device_type.name == "CUDA":
            per.setdefault(e.name, []).append(e.device_time)
    parts = ", ".join(f"{n[:40]} {statistics.mean(t):.1f} us x{len(t) // 5}" for n, t in
                      sorted(per.items(), key=lambda kv: -sum(kv[1])))
    print(f"D = {D}: {med:.3f} ms a call | {parts}", flush=True)
