"""Session 19 run 4: decode steps with a residual window (cache of N - 27 tokens: 37 residual rows), raw binding,
4-bit SAS and 4-bit exact in turns (40 reps), with the residual split where TURBOATTN_DECODE_RESIDUAL (set for
the whole process by the caller: unset = the plan, warp, cta) puts it. argv: label."""
import math, os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from prefill import interleaved_ms
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

label, res = sys.argv[1], []
for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N - 27, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N - 27, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    cache = quantize_kv_cuda(k, v, bits=4)
    forms = [lambda ex=ex: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, ex, 8, False)
             for ex in (False, True)]
    times = interleaved_ms(forms, 40)
    res.append(f"({B},{Hq},{Hkv},{N}-27) sas {times[0][0] * 1000:.1f} exact {times[1][0] * 1000:.1f}")
    del k, v, q, out, cache
    torch.cuda.empty_cache()
print(f"{label:8s} us: " + " | ".join(res), flush=True)
