"""Session 41 run 4: why do 37 residual rows cost up to 84 % at D = 256 (run 2)? The residual rows run on the CTA kernel
there (the warp kernel has no 8-bit form at D = 256). Times one call (the raw binding, CUDA events, calls in turns) of a
4-bit cache with and without 37 residual rows, under the knobs: the plan, no programmatic launch (TURBOATTN_DECODE_PDL=0),
and blocks per split forced."""
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

D = int(os.environ.get("RES_D", "256"))
shapes = [tuple(int(x) for x in s.split(",")) for s in sys.argv[1].split(";")]
bps_list = [int(x) for x in sys.argv[2].split(",")] if len(sys.argv) > 2 else []
g = torch.Generator(device="cuda").manual_seed(0)
for B, Hq, Hkv, N in shapes:
    k = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N + 37, D, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    full = quantize_kv_cuda(k[:, :, :N].contiguous(), v[:, :, :N].contiguous(), bits=4)
    res = quantize_kv_cuda(k, v, bits=4)
    out = torch.empty_like(q)
    s = 1.0 / math.sqrt(D)

    def call(cache, env=None, bps=0):
        def f():
            if env:
                os.environ[env[0]] = env[1]
            _C.decode_blocks_per_split(bps)
            _C.cuda_attention_kv(q, cache, out, None, s, False, False, 8, False)
            _C.decode_blocks_per_split(0)
            if env:
                del os.environ[env[0]]
        return f

    cases = [("no residual", call(full)), ("37 residual", call(res)),
             ("37 residual, PDL=0", call(res, ("TURBOATTN_DECODE_PDL", "0"))),
             ("no residual, CTA kernel", call(full, ("TURBOATTN_DECODE_KERNEL", "cta"))),
             ("37 residual, CTA kernel", call(res, ("TURBOATTN_DECODE_KERNEL", "cta"))),
             ("37 residual in the warp kernel", call(res, ("TURBOATTN_DECODE_RESIDUAL", "warp")))]
    cases += [(f"37 residual, bps {b}", call(res, bps=b)) for b in bps_list]
    cases += [(f"no residual, bps {b}", call(full, bps=b)) for b in bps_list]
    res_ms = interleaved_ms([f for _, f in cases], reps=20)
    print(f"({B},{Hq},{Hkv},{N}) D={D}: " + " | ".join(f"{n} {m * 1e3:.1f}" for (n, _), (m, _) in zip(cases, res_ms)),
          flush=True)
