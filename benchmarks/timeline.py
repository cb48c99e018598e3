"""GPU timeline of single calls, as benchmarks/prefill.py and decode.py time them (CUDA events around one
call on the legacy stream): each kernel's start and length relative to the start event, and the idle gaps.
Shows where a call's event time goes that no kernel accounts for (host work before the first launch, host
synchronisations between kernels).

    python benchmarks/timeline.py prefill 4096 128      # B*N = 32k, H = 32, fp16, non-causal (add "exact": that softmax)
    python benchmarks/timeline.py decode 1 32 32 32768  # B, Hq, Hkv, N, 4-bit cache, D = 128
    python benchmarks/timeline.py compress 1 8 32768    # quantize_kv_cuda of B, H, N (fp16, D = 128, 4 bits)
    python benchmarks/timeline.py step 1 32 8 32788     # 4 layers' decode steps that append (k_new=), no sync between
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE)]

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import turboattn as ta  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402


def make_call(kind, args):
    if kind == "prefill":
        N, D = int(args[0]), int(args[1])
        softmax = args[2] if len(args) > 2 else "sas"
        B = 32768 // N
        q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16) for _ in range(3))
        out = torch.empty_like(q)
        return lambda: ta.flashq_attention(q, k, v, out=out, softmax=softmax)
    if kind == "compress":
        B, H, N = (int(x) for x in args)
        k, v = (torch.randn(B, H, N, 128, device="cuda", dtype=torch.float16) for _ in range(2))
        return lambda: quantize_kv_cuda(k, v, bits=4)
    if kind == "step":  # as decode_loop.py's turboattn_step, 4 layers a call
        B, Hq, Hkv, N = (int(x) for x in args)
        layers = []
        for _ in range(4):
            k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16)
            layers.append((quantize_kv_cuda(k, torch.randn_like(k), bits=4, capacity=N // 64 + 2),
                           torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16),
                           torch.randn(2, B, Hkv, 1, 128, device="cuda", dtype=torch.float16)))
        out = torch.empty(B, Hq, 1, 128, device="cuda", dtype=torch.float16)
        return lambda: [ta.flashq_attention(q, kv=c, k_new=kv[0], v_new=kv[1], out=out) for c, q, kv in layers]
    B, Hq, Hkv, N = (int(x) for x in args)
    k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16)
    cache = quantize_kv_cuda(k, torch.randn_like(k), bits=4)
    q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16)
    out = torch.empty_like(q)
    return lambda: ta._C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    call = make_call(kind, args)
    for _ in range(5):
        call()
    torch.cuda.synchronize()
    marks = []
    with profile(activities=[ProfilerActivity.CUDA, ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            call()
            stop.record()
            stop.synchronize()
            marks.append(start.elapsed_time(stop))
    kernels = sorted((e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA),
                     key=lambda e: e.time_range.start)
    print(f"{kind} {' '.join(args)}: event times per call (ms): {', '.join(f'{m:.3f}' for m in marks)}")
    prev_end = None
    for e in kernels:
        t0, t1 = e.time_range.start, e.time_range.end  # microseconds
        gap = "" if prev_end is None else f" gap {t0 - prev_end:8.1f} us"
        print(f"  {e.name[:70]:70s} start {t0:14.1f} len {t1 - t0:9.1f} us{gap}")
        prev_end = t1
    # The host side on the same clock: the CUDA runtime calls (the events' records, launches, copies, waits).
    runtime = sorted((e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CPU
                      and e.name.startswith("cuda")), key=lambda e: e.time_range.start)
    for e in runtime:
        t0, t1 = e.time_range.start, e.time_range.end
        print(f"  host {e.name[:65]:65s} start {t0:14.1f} len {t1 - t0:9.1f} us")


if __name__ == "__main__":
    main()
