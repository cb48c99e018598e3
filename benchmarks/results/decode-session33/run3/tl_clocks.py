"""Session 33 run 3: one decode call per shape on a build with tl.diff (lane 0 of each warp prints its item and
clocks: globaltimer at the item's start and its length in ns, then clock64 cycles of the prologue (ticket to q
quantized), phase 1 (keys), the look-back and phase 2 (values)). argv: the build's directory. Prints "MARK shape"
before the timed call's lines (two warm-up calls before it print too, and are dropped by tl_phases.py)."""
import ctypes, math, sys
import torch

sys.path.insert(0, sys.argv[1])
import turboattn._C as C
import turboattn.cuda_kv as KV

libc = ctypes.CDLL(None)
for B, Hq, Hkv, N, bits in [(1, 32, 32, 32768, 4), (1, 32, 32, 32768, 2), (8, 32, 8, 32768, 4), (16, 32, 8, 8192, 4),
                            (1, 32, 8, 131072, 4)]:
    g = torch.Generator(device="cuda").manual_seed(N + B)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
    k[..., :4] *= 20
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    cache, out = KV.quantize_kv_cuda(k, v, bits=bits), torch.empty_like(q)
    call = lambda: C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
    for _ in range(2):
        call()
    torch.cuda.synchronize()
    libc.fflush(None)
    print(f"MARK {B} {Hq} {Hkv} {N} {bits}", flush=True)
    call()
    torch.cuda.synchronize()
    libc.fflush(None)
    print("END", flush=True)
    del k, v, q, cache, out
    torch.cuda.empty_cache()
