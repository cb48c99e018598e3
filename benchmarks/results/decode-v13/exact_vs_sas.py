"""Session 14: decode with softmax="exact" on the warp kernel against SAS (the same kernel) and against exact on the
CTA kernel (TURBOATTN_DECODE_KERNEL=cta), raw binding, timed in turns on the decode.py shapes (4-bit)."""
import math, os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # benchmarks/
from prefill import interleaved_ms
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

def env(value):
    def call(f):
        def run():
            if value is None:
                os.environ.pop("TURBOATTN_DECODE_KERNEL", None)
            else:
                os.environ["TURBOATTN_DECODE_KERNEL"] = value
            return f()
        return run
    return call

for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    cache = quantize_kv_cuda(k, torch.randn_like(k), bits=4)
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    outs = [torch.empty_like(q) for _ in range(3)]
    s = 1 / math.sqrt(128)
    forms = [env(None)(lambda: _C.cuda_attention_kv(q, cache, outs[0], None, s, False, False, 8, False)),
             env(None)(lambda: _C.cuda_attention_kv(q, cache, outs[1], None, s, False, True, 8, False)),
             env("cta")(lambda: _C.cuda_attention_kv(q, cache, outs[2], None, s, False, True, 8, False))]
    res = interleaved_ms(forms, 30)
    os.environ.pop("TURBOATTN_DECODE_KERNEL", None)
    d = float((outs[1].float() - outs[2].float()).norm() / outs[2].float().norm())
    print(f"({B},{Hq},{Hkv},{N}) 4-bit: sas {res[0][0]:.4f} ms  exact warp {res[1][0]:.4f} ms  exact cta {res[2][0]:.4f} ms"
          f"  (rel L2 exact warp vs cta {d:.2e})", flush=True)
    del k, cache, q, outs
    torch.cuda.empty_cache()
