"""Session 43 run 8: does a compressed cache smaller than about twice the L2 (60 MB on an H200) come partly from L2
when decode.py calls it back to back? decode.py times one cache again and again ("no configuration fits in L2, so
buffers are not rotated"). Here one call (the raw binding, 4 bits) is timed on one cache repeated, and on R caches of
the same shape taken in turn (a call then finds none of its bytes left in L2 by the call before), each timed back to
back as decode.py times; SDPA flash likewise on one FP16 K/V and on R of them.
Usage: python3 l2reuse.py "D:B,Hq,Hkv,N;..." [R]"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))  # the repository
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))  # benchmarks/
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402
from timing import median_ms  # noqa: E402

R = int(sys.argv[2]) if len(sys.argv) > 2 else 4
g = torch.Generator(device="cuda").manual_seed(0)
for spec in sys.argv[1].split(";"):
    D, shape = spec.split(":")
    D = int(D)
    B, Hq, Hkv, N = (int(x) for x in shape.split(","))
    q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
    out = torch.empty_like(q)
    kvs = [(torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g),
            torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)) for _ in range(R)]
    caches = [quantize_kv_cuda(k, v, bits=4) for k, v in kvs]
    mb = caches[0].nbytes / 1e6
    s = 1.0 / math.sqrt(D)
    turn = {"t": 0, "s": 0}

    def one():
        _C.cuda_attention_kv(q, caches[0], out, None, s, False, False, 8, False)

    def rotated():
        turn["t"] = (turn["t"] + 1) % R
        _C.cuda_attention_kv(q, caches[turn["t"]], out, None, s, False, False, 8, False)

    def sdpa_one():
        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            F.scaled_dot_product_attention(q, kvs[0][0], kvs[0][1], enable_gqa=True)

    def sdpa_rotated():
        turn["s"] = (turn["s"] + 1) % R
        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            F.scaled_dot_product_attention(q, kvs[turn["s"]][0], kvs[turn["s"]][1], enable_gqa=True)

    # each timed alone, back to back as decode.py does (in turns with the others, every call would follow another
    # function's bytes); twice, in two orders, so that a drift of the clock shows
    times = {}
    for name, fn in (("one", one), ("rot", rotated), ("sdpa_one", sdpa_one), ("sdpa_rot", sdpa_rotated),
                     ("rot2", rotated), ("one2", one), ("sdpa_rot2", sdpa_rotated), ("sdpa_one2", sdpa_one)):
        times[name] = median_ms(fn, 30, 5)[0]
    a, b = (times["one"] + times["one2"]) / 2, (times["rot"] + times["rot2"]) / 2
    c, d = (times["sdpa_one"] + times["sdpa_one2"]) / 2, (times["sdpa_rot"] + times["sdpa_rot2"]) / 2
    print(f"D={D} ({B},{Hq},{Hkv},{N}) cache {mb:.0f} MB: turboattn one cache {a * 1e3:.1f} us, {R} caches in turn "
          f"{b * 1e3:.1f} us ({100 * (b / a - 1):+.1f} %) | SDPA flash one {c * 1e3:.1f}, {R} in turn {d * 1e3:.1f} "
          f"({100 * (d / c - 1):+.1f} %) | ratio {c / a:.2f}x -> {d / b:.2f}x", flush=True)
    del caches, kvs
    torch.cuda.empty_cache()
