"""Session 16 (run 9): what the H100 gives a 2:1 read:write stream like the pre-pass's (fp16 in, int8 out), measured with
plain torch kernels next to the pre-pass itself (3 tensors of [8, 32, 4096, 128] fp16)."""
import statistics, torch
import turboattn as ta
from turboattn import _C  # noqa: F401
def t(f, reps=20):
    for _ in range(3): f()
    torch.cuda.synchronize()
    xs = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); f(); e.record(); e.synchronize(); xs.append(s.elapsed_time(e))
    return statistics.median(xs)
q, k, v = (torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.float16) for _ in range(3))
o8 = [torch.empty(q.shape, device="cuda", dtype=torch.int8) for _ in range(3)]
o16 = [torch.empty_like(q) for _ in range(3)]
gb_in, gb_out8 = 3 * q.numel() * 2 / 1e9, 3 * q.numel() / 1e9
ms = t(lambda: [o.copy_(x) for o, x in zip(o8, (q, k, v))])
print(f"torch fp16->int8 copy_ x3: {ms:.3f} ms, {(gb_in + gb_out8) / ms:.2f} TB/s")
ms = t(lambda: [o.copy_(x) for o, x in zip(o16, (q, k, v))])
print(f"torch fp16->fp16 copy_ x3: {ms:.3f} ms, {(2 * gb_in) / ms:.2f} TB/s")
ms = t(lambda: [x.amax() for x in (q, k, v)])
print(f"torch amax x3 (read only): {ms:.3f} ms, {gb_in / ms:.2f} TB/s")
out = torch.empty_like(q)
ms = t(lambda: ta.flashq_attention(q, k, v, out=out, softmax="exact"))
print(f"turboattn exact call: {ms:.3f} ms")
