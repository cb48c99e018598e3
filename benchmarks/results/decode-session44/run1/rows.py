"""Session 44 run 1: query rows per work item. A KV head with 5 to 8 query rows (GQA 5:1 to 8:1, one query token) is
one item of the two-quad few-row form (WD_FEW8) at D = 128, the CTA kernel at D = 80 and 96, the general form at
D = 64. Split into tiles of 4 rows (_C.decode_rows_per_item), the same KV blocks are two items of the four-row form,
whose second read of a block comes from L2 if the two items run together (they are B * H item numbers apart). Also
2 and 1 rows an item at GQA 4:1 and with two query tokens. For each shape: the plan (_C.decode_last_plan) and the
time of one call (raw binding, CUDA events, calls in turns) for each rows-per-item setting, and whether the output
is bit-equal to the default's.
Usage: python3 rows.py "B,Hq,Hkv,N[,nq[,res]];..." "0,4,2" [bits] (D from RES_D, default 128; EXACT=1: softmax="exact")"""
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
rts = [int(x) for x in sys.argv[2].split(",")]
bits = int(sys.argv[3]) if len(sys.argv) > 3 else 4
exact = os.environ.get("EXACT") == "1"
g = torch.Generator(device="cuda").manual_seed(0)
for shape in shapes:
    B, Hq, Hkv, N = shape[:4]
    nq = shape[4] if len(shape) > 4 else 1
    nres = shape[5] if len(shape) > 5 else 0
    k = torch.randn(B, Hkv, N + nres, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + nres, D, device="cuda", dtype=torch.float16, generator=g)
    k[..., 3] *= 20  # an outlier channel
    q = torch.randn(B, Hq, nq, D, device="cuda", dtype=torch.float16, generator=g)
    cache = quantize_kv_cuda(k, v, bits=bits)
    del k, v
    s = 1.0 / math.sqrt(D)
    outs = {}

    def call(rt):
        out = torch.full_like(q, float("nan"))
        outs[rt] = out

        def f():
            _C.decode_rows_per_item(rt)
            _C.cuda_attention_kv(q, cache, out, None, s, False, exact, 8, False)
            _C.decode_rows_per_item(0)
        return f

    fns = [call(rt) for rt in rts]
    plans = []
    for rt, f in zip(rts, fns):
        f()
        torch.cuda.synchronize()
        p = _C.decode_last_plan()
        plans.append(f"rt {rt}: {'warp' if p['warp'] else 'cta'} bps {p['blocks_per_split']} rows {p['rows_per_item']}"
                     f" res_warp {p['residual_in_warp_kernel']}")
    ms = interleaved_ms(fns, reps=25)
    base = outs[rts[0]]
    same = ["=" if torch.equal(outs[rt], base) else f"DIFF {(outs[rt].float() - base.float()).abs().max().item():.3g}"
            for rt in rts]
    tag = f"({B},{Hq},{Hkv},{N}) nq {nq} res {nres} D {D} {bits}-bit{' exact' if exact else ''}"
    print(f"{tag} plans: " + " | ".join(plans), flush=True)
    print(f"{tag} us: " + " | ".join(f"rt {rt} {m * 1e3:.1f} {e}" for rt, (m, _), e in zip(rts, ms, same)), flush=True)
    del cache
