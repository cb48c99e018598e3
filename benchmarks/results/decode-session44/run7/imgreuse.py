"""Session 44 run 7: what would a residual image kept up to date by append() save a decode call? A diagnostic build
(carry44e, not committed) skips the image kernel when TA_DIAG_IMAGE_REUSE=1 and the image was built from the same
residual rows by the call before. For each shape, one call (raw binding, CUDA events, calls in turns) without
residual rows, with 37 (the plan's placement; the warp kernel forced), each with the image kernel and without it.
Usage: python3 imgreuse.py "B,Hq,Hkv,N;..." [bits] (D from RES_D, default 128)"""
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

D = int(os.environ.get("RES_D", "128"))
shapes = [tuple(int(x) for x in s.split(",")) for s in sys.argv[1].split(";")]
bits = int(sys.argv[2]) if len(sys.argv) > 2 else 4
g = torch.Generator(device="cuda").manual_seed(0)
for B, Hq, Hkv, N in shapes:
    k = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    full = quantize_kv_cuda(k[:, :, :N].contiguous(), v[:, :, :N].contiguous(), bits=bits)
    res = quantize_kv_cuda(k, v, bits=bits)
    del k, v
    s = 1.0 / math.sqrt(D)
    outs = {}

    def call(name, cache, place=None, reuse=False):
        out = torch.full_like(q, float("nan"))
        outs[name] = out

        def f():
            if place:
                os.environ["TURBOATTN_DECODE_RESIDUAL"] = place
            if reuse:
                os.environ["TA_DIAG_IMAGE_REUSE"] = "1"
            _C.cuda_attention_kv(q, cache, out, None, s, False, False, 8, False)
            os.environ.pop("TURBOATTN_DECODE_RESIDUAL", None)
            os.environ.pop("TA_DIAG_IMAGE_REUSE", None)
        return f

    cases = [("none", call("none", full)), ("37 plan", call("37 plan", res)),
             ("37 plan reuse", call("37 plan reuse", res, reuse=True)), ("37 warp", call("37 warp", res, "warp")),
             ("37 warp reuse", call("37 warp reuse", res, "warp", True))]
    cases[1][1]()
    torch.cuda.synchronize()
    plan = _C.decode_last_plan()
    ms = interleaved_ms([f for _, f in cases], reps=25)
    same = "=" if torch.equal(outs["37 plan reuse"], outs["37 plan"]) and torch.equal(outs["37 warp reuse"],
                                                                                     outs["37 warp"]) else "DIFF"
    print(f"({B},{Hq},{Hkv},{N}) D {D} {bits}-bit res_warp {plan['residual_in_warp_kernel']} {same} us: " +
          " | ".join(f"{n} {m * 1e3:.1f}" for (n, _), (m, _) in zip(cases, ms)), flush=True)
    del full, res
