"""Session 43 run 10: the call Nsight Compute profiles: one 64-token block and 37 residual rows a head at D = 128
(1, 64, 64 heads: one row an item), 4 bits, the residual rows forced into the warp kernel, so that half of the
kernel's warps are residual items."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

D, H, N = 128, 64, 64 + 37
g = torch.Generator(device="cuda").manual_seed(0)
k = torch.randn(1, H, N, D, device="cuda", dtype=torch.float16, generator=g)
v = torch.randn(1, H, N, D, device="cuda", dtype=torch.float16, generator=g)
q = torch.randn(1, H, 1, D, device="cuda", dtype=torch.float16, generator=g)
cache = quantize_kv_cuda(k, v, bits=4)
out = torch.empty_like(q)
for _ in range(3):
    _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(D), False, False, 8, False)
torch.cuda.synchronize()
print(_C.decode_last_plan())
