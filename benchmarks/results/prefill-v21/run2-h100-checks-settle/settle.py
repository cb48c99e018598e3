"""Session 24 run 2: how long the call before a timed block moves its time (NOTES-prefill v21). For each function
(SDPA flash, SDPA cuDNN, turboattn exact and SAS) at D = 128, N = 4096, causal, B = 8, H = 32: a predecessor runs
for 1 s (cuDNN's calls, or the GPU idle), then the function is called for `settle` ms, then timed as prefill.py
times it (10 runs, CUDA events, median)."""
import statistics, time
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from turboattn import flashq_attention

B, H, N, D = 8, 32, 4096, 128
g = torch.Generator(device="cuda").manual_seed(7)
q, k, v = (torch.randn(B, H, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
out = torch.empty_like(q)


def sdpa(backend):
    def run():
        with sdpa_kernel(backend):
            F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return run


fns = {"flash": sdpa(SDPBackend.FLASH_ATTENTION), "cudnn": sdpa(SDPBackend.CUDNN_ATTENTION),
       "exact": lambda: flashq_attention(q, k, v, causal=True, out=out, softmax="exact"),
       "sas": lambda: flashq_attention(q, k, v, causal=True, out=out)}


def loop(fn, ms):
    end = time.perf_counter() + ms / 1e3
    while time.perf_counter() < end:
        fn()
        torch.cuda.synchronize()


def timed(fn, reps=10):
    t = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize()
        t.append(s.elapsed_time(e))
    return statistics.median(t)


for f in fns.values():
    for _ in range(3):
        f()
torch.cuda.synchronize()
for before in ("cudnn", "idle"):
    for name, fn in fns.items():
        row = []
        for settle in (0, 100, 300, 1000, 2000):
            if before == "idle":
                time.sleep(1.0)
            else:
                loop(fns["cudnn"], 1000)
            for _ in range(3):
                fn()
            loop(fn, settle)
            row.append(f"{settle}ms {timed(fn):.3f}")
        print(f"after 1 s {before:5s}: {name:5s} " + " | ".join(row), flush=True)
