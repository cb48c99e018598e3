"""Session 42 run 4: where do 37 residual rows lose 10-17 us at D = 128 (run 3: (1,32,8,32k) 41.5 -> 58.0 us, but
47 us with 6 blocks per split)? For each shape: the plan's choice (_C.decode_last_plan) with and without residual rows,
then one call (raw binding, CUDA events, calls in turns) under the plan and under forced blocks per split, each with
the residual rows placed by the plan, in the warp kernel and in the CTA kernel (TURBOATTN_DECODE_RESIDUAL); with
RES_IMAGE=1 (run 5) also in the warp kernel behind the image kernel.
Usage: python3 resplan.py "B,Hq,Hkv,N;..." "3,4,6" [bits]"""
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
bps_list = [int(x) for x in sys.argv[2].split(",")] if len(sys.argv) > 2 and sys.argv[2] else []
bits = int(sys.argv[3]) if len(sys.argv) > 3 else 4
g = torch.Generator(device="cuda").manual_seed(0)
for B, Hq, Hkv, N in shapes:
    k = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    full = quantize_kv_cuda(k[:, :, :N].contiguous(), v[:, :, :N].contiguous(), bits=bits)
    res = quantize_kv_cuda(k, v, bits=bits)
    out = torch.empty_like(q)
    s = 1.0 / math.sqrt(D)

    def call(cache, place=None, bps=0):
        def f():
            if place:
                os.environ["TURBOATTN_DECODE_RESIDUAL"] = place
            _C.decode_blocks_per_split(bps)
            _C.cuda_attention_kv(q, cache, out, None, s, False, False, 8, False)
            _C.decode_blocks_per_split(0)
            if place:
                del os.environ["TURBOATTN_DECODE_RESIDUAL"]
        return f

    for name, cache in (("no residual", full), ("37 residual", res)):
        call(cache)()
        torch.cuda.synchronize()
        print(f"({B},{Hq},{Hkv},{N}) {bits}-bit {name}: plan {_C.decode_last_plan()}", flush=True)
    cases = [("none, plan", call(full)), ("37, plan", call(res)), ("37 warp", call(res, "warp")),
             ("37 cta", call(res, "cta"))]
    if os.environ.get("RES_IMAGE"):  # run 5: the image kernel in front (TURBOATTN_DECODE_RESIDUAL=image, session 42)
        cases.append(("37 image", call(res, "image")))
    for b in bps_list:
        cases += [(f"none bps {b}", call(full, bps=b)), (f"37 bps {b}", call(res, bps=b)),
                  (f"37 warp bps {b}", call(res, "warp", b)), (f"37 cta bps {b}", call(res, "cta", b))]
    ms = interleaved_ms([f for _, f in cases], reps=20)
    print(f"({B},{Hq},{Hkv},{N}) {bits}-bit us: " + " | ".join(f"{n} {m * 1e3:.1f}" for (n, _), (m, _) in zip(cases, ms)),
          flush=True)
