"""Session 27 run 4: L2 prefetch of block j + A while staging block j (TURBOATTN_DECODE_L2_AHEAD=A, experiment
scaffolding in l2_prefetch.diff), A in {0 (off), 1, 2, 4}, in turns within one process: raw binding, CUDA events,
median of 200 calls a round, 4 rounds; outputs must equal A = 0's bit for bit."""
import math, os, torch
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

AHEAD = (0, 1, 2, 4)
for (B, Hq, Hkv, N), bits in [((1, 32, 32, 32768), 4), ((1, 32, 32, 32768), 2), ((8, 32, 8, 32768), 4),
                              ((16, 32, 8, 8192), 4), ((1, 32, 8, 131072), 4)]:
    g = torch.Generator(device="cuda").manual_seed(0)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    cache = quantize_kv_cuda(k, v, bits=bits)
    del k, v
    out = torch.empty_like(q)
    res, outs = {a: [] for a in AHEAD}, {}
    for rnd in range(4):
        for a in AHEAD if rnd % 2 == 0 else AHEAD[::-1]:
            os.environ["TURBOATTN_DECODE_L2_AHEAD"] = str(a)
            f = lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
            for _ in range(50): f()
            ts = []
            for _ in range(200):
                e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                e0.record(); f(); e1.record(); e1.synchronize(); ts.append(e0.elapsed_time(e1))
            ts.sort(); res[a].append(ts[100] * 1000)
            outs[a] = out.clone()
    same = all(torch.equal(outs[a], outs[0]) for a in AHEAD)
    med = {a: sorted(res[a])[1:3] for a in AHEAD}
    line = ", ".join(f"A={a}: {sum(med[a]) / 2:.1f}" for a in AHEAD)
    print(f"({B},{Hq},{Hkv},{N}) {bits}-bit us: {line}; rounds {res}; bit-equal: {same}", flush=True)
    del cache
    torch.cuda.empty_cache()
