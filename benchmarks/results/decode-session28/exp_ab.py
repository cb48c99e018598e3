"""Session 28: the decode warp kernel's prologue experiments (TURBOATTN_DECODE_EXP bits, diagnostic build).
1: the first key block's copies issued before q's rows are quantized (run 1).
2: the q rows of an item of 2-8 rows quantized in parallel (run 1: 2-4 rows, 8 lanes a row).
4: one ticket add per CTA (run 2).
MODES (default 0,2,4,6) picks the combinations. Times the raw binding in turns in one process (5 rounds of 100
calls a mode, medians in us), checks that every mode's output is bit-equal to the first mode's, and takes per-warp
clocks (TURBOATTN_DECODE_TRACE, dec_args.trace) of the first and last modes."""
import math, os, sys
import numpy as np
import torch
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

outdir = sys.argv[1]
D = 128
MODES = [int(m) for m in os.environ.get("MODES", "0,2,4,6").split(",")]
SHAPES = [((1, 32, 32, 32768), 4), ((1, 32, 32, 32768), 2), ((8, 32, 8, 32768), 4), ((16, 32, 8, 8192), 4),
          ((1, 32, 8, 131072), 4), ((2, 32, 4, 32768), 4)]


def trace(f, path):
    os.environ["TURBOATTN_DECODE_TRACE"] = path
    f(); torch.cuda.synchronize()
    del os.environ["TURBOATTN_DECODE_TRACE"]
    t = np.fromfile(path, dtype=np.uint64).reshape(-1, 16).astype(np.int64)
    full = t[(t[:, 0] != 0) & (t[:, 5] != 0)]
    g0, meta, c2, c3, c4, c5, c6, g7, c8 = full.T[:9]
    ghz = np.median((c5 - c6) / np.maximum(g7 - g0, 1))
    us = lambda x: np.median(x / ghz / 1e3)
    span = (g7.max() - g0.min()) / 1e3
    os.remove(path)
    return (f"span {span:6.1f}  ticket {us(c8 - c6):5.2f} (p90 {np.percentile((c8 - c6) / ghz / 1e3, 90):5.2f})  q {us(c2 - c8):5.2f}  p1 {us(c3 - c2):5.2f}  look-back {us(c4 - c3):5.2f}  "
            f"p2 {us(c5 - c4):5.2f}  whole {us(c5 - c6):5.2f}  ({len(full)} warps, {ghz:.2f} GHz)")


for (B, Hq, Hkv, N), bits in SHAPES:
    g = torch.Generator(device="cuda").manual_seed(0)
    k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    cache = quantize_kv_cuda(k, v, bits=bits)
    out = torch.empty_like(q)
    f = lambda: _C.cuda_attention_kv(q, cache, out, None, 1.0 / math.sqrt(D), False, False, 8, False)  # noqa: E731
    ref = None
    times = {m: [] for m in MODES}
    for rnd in range(5):
        for m in MODES:
            os.environ["TURBOATTN_DECODE_EXP"] = str(m)
            out.fill_(float("nan"))
            f(); torch.cuda.synchronize()
            if ref is None:
                ref = out.clone()
            elif not torch.equal(out, ref):
                print(f"  MISMATCH mode {m}: max diff {(out.float() - ref.float()).abs().max().item()}", flush=True)
            for _ in range(20):
                f()
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            ts = []
            for _ in range(100):
                s.record(); f(); e.record(); e.synchronize()
                ts.append(s.elapsed_time(e) * 1e3)
            times[m].append(float(np.median(ts)))
    line = "  ".join(f"exp{m} {np.median(times[m]):7.1f}" for m in MODES)
    print(f"({B},{Hq},{Hkv},{N}) {bits}-bit: {line}   rounds: " +
          " | ".join(",".join(f"{x:.1f}" for x in times[m]) for m in MODES), flush=True)
    for m in (MODES[0], MODES[-1]):
        os.environ["TURBOATTN_DECODE_EXP"] = str(m)
        print(f"   trace exp{m}: " + trace(f, f"{outdir}/t.bin"), flush=True)
    os.environ.pop("TURBOATTN_DECODE_EXP", None)
    del k, v, q, cache, out
    torch.cuda.empty_cache()
