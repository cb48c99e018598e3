"""Session 27 run 2: the one-row decode form at 4 CTAs per SM (variant 0 with one_row_four_ctas.diff) against 3
(variant 1), in turns within one process: raw binding, CUDA events, median of 200 calls per round, 5 rounds."""
import math, os, sys, torch
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

B, Hq, Hkv, N = 1, 32, 32, 32768
for bits in (4, 2):
    g = torch.Generator(device="cuda").manual_seed(0)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    cache = quantize_kv_cuda(k, v, bits=bits)
    out = torch.empty_like(q)
    outs = {}
    res = {0: [], 1: []}
    for rnd in range(5):
        for var in (0, 1) if rnd % 2 == 0 else (1, 0):
            os.environ["TURBOATTN_DECODE_VARIANT"] = str(var)
            f = lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
            for _ in range(50): f()
            ts = []
            for _ in range(200):
                a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                a.record(); f(); b.record(); b.synchronize(); ts.append(a.elapsed_time(b))
            ts.sort(); res[var].append(ts[100] * 1000)
            outs[var] = out.clone()
    same = torch.equal(outs[0], outs[1])
    print(f"bits {bits}: 4 CTAs {sorted(res[0])} us, 3 CTAs {sorted(res[1])} us, medians "
          f"{sorted(res[0])[2]:.1f} / {sorted(res[1])[2]:.1f}, outputs equal: {same}")
