"""Session 21 (decode-v18 run 7): why run 6's SDPA step spent 1.5-2.2 ms of host time a layer. One decode call
(q [1, 32, 1, 128], K and V [1, 8, n, 128] fp16, enable_gqa) in six forms, wall time per call with the GPU
synchronised after each: contiguous K/V or a view of a preallocated cache, torch's default backend or one forced,
warnings shown or ignored."""
import time
import warnings

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

n, cap = 32768, 32896
q = torch.randn(1, 32, 1, 128, device="cuda", dtype=torch.float16)
kc, vc = (torch.randn(1, 8, cap, 128, device="cuda", dtype=torch.float16) for _ in range(2))
k, v = kc[:, :, :n].contiguous(), vc[:, :, :n].contiguous()


def per_call_us(fn, reps=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    ts = []
    for i in range(reps):
        t0 = time.perf_counter()
        fn(i)
        torch.cuda.synchronize()
        ts.append((time.perf_counter() - t0) * 1e6)
    return sorted(ts)[reps // 2]


def call(kk, vv, backend=None, grow=False):
    def f(i=0):
        m = n + (i if grow else 0)
        a, b = (kc[:, :, :m], vc[:, :, :m]) if grow else (kk, vv)
        if backend is None:
            return F.scaled_dot_product_attention(q, a, b, enable_gqa=True)
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, a, b, enable_gqa=True)
    return f


for label, warn in (("warnings shown", "default"), ("warnings ignored", "ignore")):
    warnings.simplefilter(warn)
    print(f"-- {label}", flush=True)
    for name, f in (("contiguous, default", call(k, v)), ("view, default", call(kc[:, :, :n], vc[:, :, :n])),
                    ("view growing, default", call(None, None, grow=True)),
                    ("view growing, flash", call(None, None, SDPBackend.FLASH_ATTENTION, grow=True)),
                    ("view growing, cuDNN", call(None, None, SDPBackend.CUDNN_ATTENTION, grow=True)),
                    ("view growing, efficient", call(None, None, SDPBackend.EFFICIENT_ATTENTION, grow=True))):
        try:
            print(f"{name:28s} {per_call_us(f):9.1f} us a call", flush=True)
        except Exception as exc:
            print(f"{name:28s} {type(exc).__name__}: {str(exc)[:100]}", flush=True)
