"""Session 14: the CUDA prefill with softmax="exact" (hardware exp2) against the default SAS, timed in turns
with SDPA flash and cuDNN on the same inputs; accuracy of both against a float64 reference on a slice."""
import os, sys, math, statistics
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))  # benchmarks/
from prefill import interleaved_ms, sdpa_call
from turboattn import flashq_attention

def f64_ref(q, k, v, causal):
    q, k, v = (x[:1, :4].double() for x in (q, k, v))
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        n = s.shape[-1]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool, device=s.device).triu(1), float("-inf"))
    return torch.softmax(s, -1) @ v

rows = []
for N, D, causal in [(4096, 128, False), (16384, 128, False), (1024, 128, False), (4096, 128, True),
                     (4096, 64, False), (16384, 64, False)]:
    B = 32768 // N
    g = torch.Generator(device="cuda").manual_seed(N + D + causal)
    q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
    k[..., :4] *= 20  # outlier key channels
    out_s, out_e = torch.empty_like(q), torch.empty_like(q)
    fns = [sdpa_call(q, k, v, causal, SDPBackend.FLASH_ATTENTION), sdpa_call(q, k, v, causal, SDPBackend.CUDNN_ATTENTION),
           lambda: flashq_attention(q, k, v, causal=causal, out=out_s),
           lambda: flashq_attention(q, k, v, causal=causal, out=out_e, softmax="exact")]
    res = interleaved_ms(fns, 12)
    fl, cu, sas, ex = (r[0] for r in res)
    ref = f64_ref(q, k, v, causal)
    err = lambda o: float((o[:1, :4].double() - ref).norm() / ref.norm())
    print(f"N={N:5d} D={D:3d} causal={causal!s:5}: flash {fl:7.3f} cudnn {cu:7.3f} | sas {sas:7.3f} ({fl/sas:.2f}x flash)"
          f" exact {ex:7.3f} ({fl/ex:.2f}x flash, {ex/sas:.3f} of sas) | relL2 vs f64: sas {err(out_s):.4f} exact {err(out_e):.4f}",
          flush=True)
    del q, k, v, out_s, out_e
    torch.cuda.empty_cache()
