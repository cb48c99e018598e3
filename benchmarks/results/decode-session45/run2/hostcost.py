"""Session 45 run 2: the host's share of a decode call. Calls on a small cache (B = 1, 32 query heads over 8, 261
tokens, D = 128, 4 bits: the GPU's work is a few microseconds), back to back without synchronising, so a call's
time is its host path plus its wait for q's check (the warp kernel's start). Steps are undone by lowering the
cache's residual count (the rows are written again next time), so that every step is a fused one. For scale: a tiny
torch op, and SDPA (flash) on an FP16 cache of the same size.
Usage: python3 hostcost.py [calls]"""
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))  # the repository
import turboattn as ta  # noqa: E402
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
g = torch.Generator(device="cuda").manual_seed(45)
B, Hq, Hkv, N, D = 1, 32, 8, 64 * 4 + 5, 128
k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
v = torch.randn_like(k)
cache = quantize_kv_cuda(k, v, bits=4)
q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
kn = torch.randn(B, Hkv, 1, D, device="cuda", dtype=torch.float16, generator=g)
vn = torch.randn_like(kn)
out = torch.empty_like(q)
x, y = torch.zeros(16, device="cuda"), torch.zeros(16, device="cuda")


def per_call_us(fn):
    for _ in range(50):
        fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(CALLS):
            fn()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t0) / CALLS * 1e6)
    return best


def step_public():
    ta.flashq_attention(q, kv=cache, k_new=kn, v_new=vn, out=out)
    cache.n_residual -= 1


def step_binding():  # the binding counts the new rows itself and leaves n_residual to Python (_step_kv)
    _C.attention_kv(q, cache, out, None, None, False, False, 8, False, 0, False, kn, vn)


def append_only():
    cache.append(kn, vn)
    cache.n_residual -= 1


def sdpa():
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


cases = {
    "torch add (one tiny kernel)": lambda: torch.add(x, 1, out=y),
    "SDPA flash, same size": sdpa,
    "attention, public": lambda: ta.flashq_attention(q, kv=cache, out=out),
    "attention, binding": lambda: _C.attention_kv(q, cache, out, None, None, False, False, 8, False, 0, False),
    "step, public": step_public,
    "step, binding": step_binding,
    "append(1 token)": append_only,
}
for knob in (None, "cta"):
    if knob:
        os.environ["TURBOATTN_DECODE_RESIDUAL"] = knob
    for name, fn in cases.items():
        if knob and not name.startswith(("attention", "step")):
            continue
        us = per_call_us(fn)
        plan = _C.decode_last_plan()
        print(f"{name:30s} residual={knob or 'plan'}: {us:6.1f} us a call"
              + (f" (res_warp={plan['residual_in_warp_kernel']})" if name.startswith(("attention", "step")) else ""),
              flush=True)
