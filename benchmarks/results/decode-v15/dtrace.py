"""Session 18 (decode-v15 run 1): per-warp clocks of the decode warp kernel (diagnostic build: dec_args.trace,
TURBOATTN_DECODE_TRACE=<file>). Where a work item's time goes: q, phase 1 (scores), the look-back, phase 2 (p.v
and partial results); and how far apart the warps start and end within the one wave."""
import math, os, sys
import numpy as np
import torch
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda
outdir = sys.argv[1]
D = 128
for (B, Hq, Hkv, N), bits in [((1, 32, 32, 32768), 4), ((1, 32, 32, 32768), 2), ((8, 32, 8, 32768), 4),
                              ((16, 32, 8, 8192), 4), ((1, 32, 8, 131072), 4)]:
    g = torch.Generator(device="cuda").manual_seed(0)
    k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    cache = quantize_kv_cuda(k, v, bits=bits)
    out = torch.empty_like(q)
    f = lambda: _C.cuda_attention_kv(q, cache, out, None, 1.0 / math.sqrt(D), False, False, 8, False)
    for _ in range(5):
        f()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); f(); e.record(); e.synchronize()
    plain = s.elapsed_time(e)
    path = f"{outdir}/dtrace_{B}_{Hkv}_{N}_{bits}.bin"
    os.environ["TURBOATTN_DECODE_TRACE"] = path
    f(); torch.cuda.synchronize()
    del os.environ["TURBOATTN_DECODE_TRACE"]
    t = np.fromfile(path, dtype=np.uint64).reshape(-1, 8).astype(np.int64)
    t = t[t[:, 0] != 0]
    full = t[t[:, 5] != 0]
    g0, meta, c2, c3, c4, c5, c6, g7 = full.T
    ghz = np.median((c5 - c6) / np.maximum(g7 - g0, 1))
    def us(x): return x / ghz / 1e3
    span = (g7.max() - g0.min()) / 1e3
    start = (g0 - g0.min()) / 1e3; end = (g7 - g0.min()) / 1e3
    sm = meta >> 40
    print(f"B={B} Hkv={Hkv} N={N} {bits}-bit: call {plain*1e3:.1f} us, warp kernel span {span:.1f} us, {len(t)} warps "
          f"({len(full)} with an item), clock {ghz:.2f} GHz", flush=True)
    for name, x in (("q + check", c2 - c6), ("phase 1 (scores)", c3 - c2), ("look-back", c4 - c3), ("phase 2 + partials", c5 - c4), ("whole", c5 - c6)):
        x = us(x)
        print(f"   {name:20s} median {np.median(x):7.2f} p10 {np.percentile(x,10):7.2f} p90 {np.percentile(x,90):7.2f} max {x.max():7.2f} us", flush=True)
    print(f"   start: median {np.median(start):.2f} p90 {np.percentile(start,90):.2f} max {start.max():.2f} us; "
          f"end: p10 {np.percentile(end,10):.2f} median {np.median(end):.2f} p90 {np.percentile(end,90):.2f} max {end.max():.2f} us", flush=True)
    per_sm = np.bincount(sm.astype(np.int64))
    print(f"   warps per SM: min {per_sm[per_sm>0].min()} max {per_sm.max()}; SMs used {np.count_nonzero(per_sm)}", flush=True)
    del k, v, q, cache, out
    torch.cuda.empty_cache()
