"""Session 20 (prefill-v17 run 5): the pre-pass kernel's time by output layout, from profiler traces at N = 4k,
D = 128, B = 8, H = 32 (fp16): the attention call's launch (q, k as tile images, v as V^T tile images, one launch of
three jobs) against the public quantizer (`_C.cuda_quantize_int8`, plain rows, one launch per tensor) with
preallocated outputs. Run 4's block_form (the same CTA shape and bytes, no layout, no checks) took 0.420 ms for the
three tensors."""
import torch
from torch.profiler import ProfilerActivity, profile

from turboattn import _C, flashq_attention

q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
out = torch.empty_like(q)
codes = [_C.device_empty((8, 32, 4096, 128), "int8", 0) for _ in range(3)]
scales = [_C.device_empty((8, 32, 64), "float32", 0) for _ in range(3)]


def kernels(fn, reps=10):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
    rows = []
    for e in prof.key_averages():
        t = getattr(e, "device_time_total", 0)
        if t and e.count and ("quantize" in e.key or "prefill_kernel" in e.key):
            rows.append(f"  {e.key[:56]:56s} {e.count:3d} launches, {t / reps:8.1f} us per call")
    return rows


for name, fn in (
    ("attention call (4k causal, exact)", lambda: flashq_attention(q, k, v, causal=True, out=out, softmax="exact")),
    ("cuda_quantize_int8 of q, k, v", lambda: [_C.cuda_quantize_int8(x, c, s) for x, c, s in zip((q, k, v), codes, scales)]),
    ("cuda_quantize_int8 of q", lambda: _C.cuda_quantize_int8(q, codes[0], scales[0])),
):
    print(name, flush=True)
    print("\n".join(kernels(fn)), flush=True)
