"""Session 13 run 6: does the order of timing move decode.py's ratios? For each decode.py shape, SDPA (flash and
cuDNN) and turboattn 4-bit are timed (a) as decode.py does, each function's reps in a block after the previous
one's, and (b) in turns (one rep of each, repeated). Same tensors, same cache, same machine."""
import math, statistics, sys, os
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decode import make_inputs, D  # noqa: E402
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

def one(fn):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); fn(); e.record(); e.synchronize()
    return s.elapsed_time(e)

def sdpa(q, k, v, backend):
    def run():
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    return run

for B, Hq, Hkv, N in [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]:
    q, k, v = make_inputs(B, Hq, Hkv, N)
    cache = quantize_kv_cuda(k, v, bits=4)
    out = torch.empty_like(q)
    fns = {"flash": sdpa(q, k, v, SDPBackend.FLASH_ATTENTION), "cudnn": sdpa(q, k, v, SDPBackend.CUDNN_ATTENTION),
           "turbo4": lambda: _C.cuda_attention_kv(q, cache, out, None, 1.0 / math.sqrt(D), False, False, 8, False)}
    for f in fns.values():
        for _ in range(5):
            f()
    torch.cuda.synchronize()
    for mode in ("blocks", "turns", "blocks", "turns"):
        t = {n: [] for n in fns}
        if mode == "blocks":
            for n, f in fns.items():
                for _ in range(5):
                    f()
                for _ in range(30):
                    t[n].append(one(f))
        else:
            for _ in range(30):
                for n, f in fns.items():
                    t[n].append(one(f))
        m = {n: statistics.median(x) for n, x in t.items()}
        best = min(m["flash"], m["cudnn"])
        print(f"({B},{Hq},{Hkv},{N}) {mode:6s} flash {m['flash']:.4f} cudnn {m['cudnn']:.4f} turbo4 {m['turbo4']:.4f} ms"
              f"  ratio {best / m['turbo4']:.2f}x", flush=True)
    del q, k, v, cache, out
    torch.cuda.empty_cache()
