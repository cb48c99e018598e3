"""Session 46: one decode call (raw binding, CUDA events, calls in turns) with 37 residual rows, the residual block in
the combine (the plan since session 46) against a residual split where the plan before put it
(TURBOATTN_DECODE_RESIDUAL=split), in the warp kernel and in the CTA kernel; and the same cache's blocks without
residual rows. Prints microseconds a call and each placement's cost over no residual rows.
Usage: python3 resplace.py "B,Hq,Hkv,N[,D[,bits]];..." """
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))  # the repository
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))  # benchmarks/
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402
from timing import interleaved_ms  # noqa: E402

g = torch.Generator(device="cuda").manual_seed(46)
for spec in sys.argv[1].split(";"):
    f = [int(x) for x in spec.split(",")]
    B, Hq, Hkv, N = f[:4]
    D = f[4] if len(f) > 4 else 128
    bits = f[5] if len(f) > 5 else 4
    k = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    full = quantize_kv_cuda(k[:, :, :N].contiguous(), v[:, :, :N].contiguous(), bits=bits)
    res = quantize_kv_cuda(k, v, bits=bits)
    s = 1.0 / math.sqrt(D)
    outs = {}

    def call(cache, place, name):
        out = torch.empty_like(q)
        outs[name] = out

        def fn():
            if place:
                os.environ["TURBOATTN_DECODE_RESIDUAL"] = place
            _C.cuda_attention_kv(q, cache, out, None, s, False, False, 8, False)
            if place:
                del os.environ["TURBOATTN_DECODE_RESIDUAL"]
        return fn

    cases = [("none", call(full, None, "none")), ("comb", call(res, None, "comb")),
             ("split", call(res, "split", "split")), ("warp", call(res, "warp", "warp")), ("cta", call(res, "cta", "cta"))]
    plans = {}
    for name, fn in cases:
        fn()
        torch.cuda.synchronize()
        p = _C.decode_last_plan()
        plans[name] = f"bps {p['blocks_per_split']} w{p['residual_in_warp_kernel']} c{p['residual_in_combine']}"
    ms = interleaved_ms([fn for _, fn in cases], reps=25)
    us = {name: m * 1e3 for (name, _), (m, _) in zip(cases, ms)}
    ref = outs["split"].float()
    diff = max(float((outs[n].float() - ref).norm() / ref.norm()) for n in ("comb", "warp", "cta"))
    print(f"({B},{Hq},{Hkv},{N}) D={D} {bits}-bit: none {us['none']:.1f} us; with 37 residual rows " +
          ", ".join(f"{n} {us[n]:.1f} (+{us[n] - us['none']:.1f}) [{plans[n]}]" for n in ("comb", "split", "warp", "cta")) +
          f"; outputs within {diff:.1e}", flush=True)
    del full, res, k, v
    torch.cuda.empty_cache()
