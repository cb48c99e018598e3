"""Where one append() of a token goes on the GPU: the binding calls it makes, timed one by one (wall clock,
200 calls each after 10 of warm-up). python benchmarks/append_parts.py (needs torch with CUDA)."""
import time

import torch

from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda
g = torch.Generator(device="cuda").manual_seed(0)
k = torch.randn(1, 32, 32768 + 5, 128, device="cuda", dtype=torch.float16, generator=g)
v = torch.randn_like(k)
cache = quantize_kv_cuda(k, v, bits=4)
k1, v1 = k[:, :, -1:].contiguous(), v[:, :, -1:].contiguous()
def t(name, f, n=200):
    for _ in range(10): f()
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(n): f()
    torch.cuda.synchronize(); print(f"{name:28s} {1e6 * (time.perf_counter() - t0) / n:8.1f} us")
t("view_info(torch)", lambda: _C.view_info(k1, "k"))
t("check_finite(k, v)", lambda: _C.cuda_check_finite(k1, "k_new", v1, "v_new"))
t("copy_rows(res_k <- k1)", lambda: _C.cuda_copy_rows(cache.residual_k, 0, k1, 0, 1))
t("cuda_take_tokens (room 0)", lambda: _C.cuda_take_tokens(k1, v1, 1, 32, 128, "float16", 0, cache.residual_k,
                                                            cache.residual_v, 5, 0))
def app():
    cache.append(k1, v1)
    cache.n_residual = 5  # stay below a block: measure the plain append path
t("append(1 token)", app)
t("torch __dlpack__", lambda: k1.__dlpack__(stream=1))
