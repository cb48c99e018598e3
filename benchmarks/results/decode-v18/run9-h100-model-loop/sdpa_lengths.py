"""Session 21 (decode-v18 run 9): which SDPA backend torch's default choice takes for a decode call (q [1, 32, 1, 128],
K and V a view of [1, 8, 32896, 128] fp16, enable_gqa), and its host time per call at a K length seen before
against a new one each call, with the flash and cuDNN backends forced beside it."""
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

n, cap = 32768, 32896
q = torch.randn(1, 32, 1, 128, device="cuda", dtype=torch.float16)
kc, vc = (torch.randn(1, 8, cap, 128, device="cuda", dtype=torch.float16) for _ in range(2))
try:
    choice = int(torch._fused_sdp_choice(q, kc[:, :, :n], vc[:, :, :n], enable_gqa=True))
    names = [name for name, member in SDPBackend.__members__.items() if int(member) == choice]
    print(f"default choice: {choice} {names}", flush=True)
except Exception as exc:  # a private helper: report, do not fail
    print(f"default choice not available: {type(exc).__name__}: {exc}", flush=True)


def us_per_call(backend, lengths):
    ts = []
    for m in lengths:
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        if backend is None:
            F.scaled_dot_product_attention(q, kc[:, :, :m], vc[:, :, :m], enable_gqa=True)
        else:
            with sdpa_kernel(backend):
                F.scaled_dot_product_attention(q, kc[:, :, :m], vc[:, :, :m], enable_gqa=True)
        torch.cuda.synchronize()
        ts.append((time.perf_counter() - t0) * 1e6)
    return sorted(ts)[len(ts) // 2]


for name, backend, base in (("default", None, n), ("cuDNN", SDPBackend.CUDNN_ATTENTION, n + 40),
                            ("flash", SDPBackend.FLASH_ATTENTION, n)):
    us_per_call(backend, [base] * 5)
    same = us_per_call(backend, [base] * 20)
    new = us_per_call(backend, [base + 1 + i for i in range(20)])
    print(f"{name:8s} same length {same:9.1f} us a call, a new length each call {new:9.1f} us", flush=True)
