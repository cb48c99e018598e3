"""Session 14 run 9: the D = 64 prefill rows with row 3 listed first (run 6 listed row 0 first), both softmaxes."""
import os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))  # benchmarks/
from prefill import interleaved_ms, variant_call
from turboattn import flashq_attention

for N, causal in ((4096, False), (16384, False), (4096, True), (1024, False)):
    B = 32768 // N
    g = torch.Generator(device="cuda").manual_seed(N + 64)
    q, k, v = (torch.randn(B, 32, N, 64, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
    out = torch.empty_like(q)
    for rep in range(2):
        order = [3, 0, 1] if rep == 0 else [0, 3, 1]
        calls, names = [], []
        for sm in ("exact", "sas"):
            for w in order:
                calls.append(variant_call(w, lambda sm=sm: flashq_attention(q, k, v, causal=causal, out=out, softmax=sm)))
                names.append(f"{sm}[{w}]")
        res = interleaved_ms(calls, 10)
        os.environ.pop("TURBOATTN_PREFILL_VARIANT", None)
        print(f"N={N} causal={causal} order {order}: " + "  ".join(f"{n} {ms:.3f}" for n, (ms, _) in zip(names, res)),
              flush=True)
    del q, k, v, out
    torch.cuda.empty_cache()
