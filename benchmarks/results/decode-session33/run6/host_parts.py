"""Session 33 run 6: where the host's share of a timed decode call goes (run 5 found 11-13 us at every shape). For a
one-row step at N = 64 (tiny GPU work) and N = 32k: the event-timed call and loop (as run 5), the host's wall time of
one call (perf_counter, the GPU idle before it), the same with TURBOATTN_DECODE_PDL=0, and for reference a one-kernel
torch op (x.add_(1) on 4 bytes) timed the same ways."""
import math, os, statistics, sys, time
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))
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


def host_us(fn, reps=200):
    ts = []
    for _ in range(reps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e6


x = torch.zeros(1, device="cuda")
add = lambda: x.add_(1)  # noqa: E731
print(f"torch add_: call {median_ms(add, 50)[0] * 1000:.1f} us, loop {loop_ms(add) * 1000:.1f} us, host {host_us(add):.1f} us")
for N in (64, 32768):
    g = torch.Generator(device="cuda").manual_seed(N)
    k = torch.randn(1, 32, N, 128, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(1, 32, N, 128, device="cuda", dtype=torch.float16, generator=g)
    q = torch.randn(1, 32, 1, 128, device="cuda", dtype=torch.float16, generator=g)
    cache, out = KV.quantize_kv_cuda(k, v, bits=4), torch.empty_like(q)
    fn = lambda: C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)  # noqa: E731
    for pdl in ("1", "0"):
        os.environ["TURBOATTN_DECODE_PDL"] = pdl
        call, loop, host = median_ms(fn, 50)[0] * 1000, loop_ms(fn) * 1000, host_us(fn)
        print(f"N={N} PDL={pdl}: call {call:.1f} us, loop {loop:.1f} us, host wall of one call {host:.1f} us")
    os.environ["TURBOATTN_DECODE_PDL"] = "1"
