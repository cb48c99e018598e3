"""Session 33 run 5: how much of a timed decode call is the host's. Per shape, for the kernel-only binding at 4 and
2 bits and for SDPA flash and cuDNN: "call", the median of single calls between CUDA events with a wait after each
(benchmarks/timing.py, as decode.py times them), and "loop", the time of 30 calls enqueued back to back between two
events, divided by 30 (the host enqueues the next call while the GPU runs the last, so this is the GPU's time a call
when the host keeps up). call - loop is what the host adds to a single timed call."""
import math, statistics, sys, os
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))  # benchmarks/: timing.py
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))  # the repository root: the package built in place
from timing import median_ms
import turboattn._C as C
import turboattn.cuda_kv as KV


def loop_ms(fn, n=30, rounds=7):
    out = []
    for _ in range(rounds):
        fn()
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(n):
            fn()
        b.record()
        b.synchronize()
        out.append(a.elapsed_time(b) / n)
    return statistics.median(out)


print("| shape | form | call us | loop us | host share us |")
print("|---|---|---|---|---|")
for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072), (1, 32, 32, 64)]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    forms = []
    for bits in (4, 2):
        cache, out = KV.quantize_kv_cuda(k, v, bits=bits), torch.empty_like(q)
        forms.append((f"{bits}-bit", lambda cache=cache, out=out: C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128),
                                                                                         False, False, 8, False)))
    for name, be in (("SDPA flash", SDPBackend.FLASH_ATTENTION), ("SDPA cuDNN", SDPBackend.CUDNN_ATTENTION)):
        def f(be=be):
            with sdpa_kernel(be):
                return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
        forms.append((name, f))
    for name, fn in forms:
        try:
            call = median_ms(fn, 30)[0] * 1000
            loop = loop_ms(fn) * 1000
        except Exception as e:  # a backend that does not take the shape
            print(f"| ({B},{Hq},{Hkv},{N}) | {name} | n/a ({type(e).__name__}) | | |")
            continue
        print(f"| ({B},{Hq},{Hkv},{N}) | {name} | {call:.1f} | {loop:.1f} | {call - loop:+.1f} |", flush=True)
    del k, v, q, forms
    torch.cuda.empty_cache()
