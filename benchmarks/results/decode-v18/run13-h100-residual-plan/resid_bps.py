"""Session 21 (decode-v18 run 13): decode steps with 37 residual rows (N - 27 tokens in the cache), 4-bit SAS, raw
binding: the warp plan's own choice of blocks per split ("auto") against forced values around it, in turns
(40 reps), two rounds. Shows which blocks per split is fastest and whether the plan picks it."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))  # benchmarks/
from prefill import interleaved_ms  # noqa: E402
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

for B, Hq, Hkv, N, around in [(16, 32, 8, 8192, range(9, 14)), (8, 32, 8, 32768, range(20, 25))]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N - 27, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N - 27, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    cache = quantize_kv_cuda(k, v, bits=4)

    def form(bps):
        def call():
            _C.decode_blocks_per_split(bps)  # 0: the plan's choice
            return _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
        return call
    names = ["auto"] + [str(c) for c in around]
    for rnd in range(2):
        times = interleaved_ms([form(0)] + [form(c) for c in around], 40)
        print(f"({B},{Hq},{Hkv},{N}-27) round {rnd + 1} us: " +
              " ".join(f"{n} {ms * 1000:.1f}" for n, (ms, _) in zip(names, times)), flush=True)
    _C.decode_blocks_per_split(0)
    del k, v, q, out, cache
    torch.cuda.empty_cache()
