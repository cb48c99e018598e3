"""Session 14: every prefill kernel row (TURBOATTN_PREFILL_VARIANT) with softmax="exact" and with SAS, timed in turns,
N = 4k and 16k, non-causal and causal, D = 64 and 128 (B * N = 32k, H = 32)."""
import os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))  # benchmarks/
from prefill import interleaved_ms, variant_call
from turboattn import flashq_attention

ROWS = {64: 5, 128: 7}
for D in (64, 128):
    for N, causal in ((4096, False), (16384, False), (4096, True)):
        B = 32768 // N
        g = torch.Generator(device="cuda").manual_seed(N + D)
        q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
        out = torch.empty_like(q)
        calls, names = [], []
        for sm in ("exact", "sas"):
            for w in range(ROWS[D]):
                calls.append(variant_call(w, lambda sm=sm: flashq_attention(q, k, v, causal=causal, out=out, softmax=sm)))
                names.append(f"{sm}[{w}]")
        res = interleaved_ms(calls, 8)
        os.environ.pop("TURBOATTN_PREFILL_VARIANT", None)
        print(f"D={D} N={N} causal={causal}: " + "  ".join(f"{n} {ms:.3f}" for n, (ms, _) in zip(names, res)), flush=True)
        del q, k, v, out
        torch.cuda.empty_cache()
