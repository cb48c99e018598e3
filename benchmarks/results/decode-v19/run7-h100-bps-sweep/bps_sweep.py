"""Session 22, decode-v19 run 7: decode time against blocks per split (0 = the plan), in turns (raw binding, SAS,
4 bits, 30 reps), for decode.py's shapes and the generation loop's GQA shape with 20 residual rows."""
import math, os, sys
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from prefill import interleaved_ms
from turboattn import _C
from turboattn.cuda_kv import quantize_kv_cuda

SHAPES = [(1, 32, 8, 32768 + 20), (1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]
for B, Hq, Hkv, N in SHAPES:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    cache = quantize_kv_cuda(k, v, bits=4)
    blocks = N // 64
    cands = [0] + sorted({c for c in (2, 3, 4, 5, 6, 8, 11, 12, 14, 16, 22, 24, 32, 43, 48, 64) if c <= blocks})

    def call(bps):
        def f():
            _C.decode_blocks_per_split(bps)
            _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
        return f
    times = interleaved_ms([call(c) for c in cands], 30)
    _C.decode_blocks_per_split(0)
    best = min(range(len(cands)), key=lambda i: times[i][0])
    print(f"({B},{Hq},{Hkv},{N}) plan {times[0][0] * 1e3:.1f} us; " +
          " ".join(f"{c}:{t * 1e3:.1f}" for c, (t, _) in zip(cands[1:], times[1:])) + f"; best {cands[best]}", flush=True)
    del k, v, q, out, cache
    torch.cuda.empty_cache()
