"""Session 28: decode-v15/abdec.py with one shape more, (2, 32, 4, 32k): GQA 8:1, 8 rows an item, and ABDEC_RES=r
(run 11): N - 64 + r tokens, the last r in the residual window.
Session 18 (decode-v15): one process's decode times (raw binding, in turns, 40 reps) for an A/B across two
builds; run alternately with PYTHONPATH pointing at each tree. argv: label. ABDEC_FORMS picks the forms as
bits + s (SAS) or e (softmax="exact"), /p0 for TURBOATTN_DECODE_PDL=0, and /api for the public call
(flashq_attention(q, kv=cache, out=out)) instead of the raw binding; the default, 4s,2s,4e, is session 18's
(session 19 used 4s,4e,2e and 4s,4s/p0,2s,2s/p0, session 21 4s,4s/api,2s)."""
import math, os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from prefill import interleaved_ms
import turboattn
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

label, res = sys.argv[1], []
for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072), (2, 32, 4, 32768)]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    n = N - 64 + int(os.environ["ABDEC_RES"]) if os.environ.get("ABDEC_RES") else N  # run 11: residual rows
    k = torch.randn(B, Hkv, n, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, n, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    caches = {bits: quantize_kv_cuda(k, v, bits=bits) for bits in (4, 2)}
    def form(code):
        bits, ex, pdl = int(code[0]), code[1] == "e", "0" if code.endswith("/p0") else "1"
        api = code.endswith("/api")
        def call():
            os.environ["TURBOATTN_DECODE_PDL"] = pdl  # read by the launcher on every call
            if api:
                return turboattn.flashq_attention(q, kv=caches[bits], out=out, softmax="exact" if ex else "sas")
            return _C.cuda_attention_kv(q, caches[bits], out, None, 1 / math.sqrt(128), False, ex, 8, False)
        return f"{bits}b {'exact' if ex else 'sas'}{'' if pdl == '1' else ' nopdl'}{' api' if api else ''}", call
    forms = dict(form(f) for f in os.environ.get("ABDEC_FORMS", "4s,2s,4e").split(","))
    times = interleaved_ms(list(forms.values()), 40)
    res.append(f"({B},{Hq},{Hkv},{N}) " + " ".join(f"{n} {ms * 1000:.1f}" for n, (ms, _) in zip(forms, times)))
    del k, v, q, out, caches
    torch.cuda.empty_cache()
print(f"{label:5s} us: " + " | ".join(res), flush=True)
