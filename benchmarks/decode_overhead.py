"""How much of one decode call is host time that the GPU waits on: for each benchmark shape (4-bit cache), the
CUDA-event time of one call as decode.py measures it, the GPU time per call when 50 calls run back to back (the
host then runs ahead, so launch costs hide), the host wall time per call, and the same three for SDPA (cuDNN,
else flash). Also the cost of the binding's pieces: the DLPack import of q, and the cache's conversion.

    python benchmarks/decode_overhead.py [--out DIR]
"""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402
from decode import cuda_time  # noqa: E402  (benchmarks/decode.py: one call between two CUDA events)
import timing  # noqa: E402

CONFIGS = [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]
D = 128


def event_ms(fn):
    return cuda_time(fn)[0]


def back_to_back_ms(fn, n=50):
    return timing.back_to_back_ms(fn, reps=n, rounds=1, warmup=0)


def host_us(fn, n=50):
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    t1 = time.perf_counter()
    torch.cuda.synchronize()
    return (t1 - t0) / n * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    args = ap.parse_args()
    rows = []
    for B, Hq, Hkv, N in CONFIGS:
        g = torch.Generator(device="cuda").manual_seed(0)
        k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
        v = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
        q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
        cache = quantize_kv_cuda(k, v, bits=4)
        out = torch.empty_like(q)
        turbo = lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(D), False, False, 8, False)  # noqa: E731
        from torch.nn.attention import SDPBackend, sdpa_kernel
        row = {"B": B, "Hq": Hq, "Hkv": Hkv, "N": N}
        row["turbo"] = {"event_ms": event_ms(turbo), "back_to_back_ms": back_to_back_ms(turbo), "host_us": host_us(turbo)}
        for name, be in (("cudnn", SDPBackend.CUDNN_ATTENTION), ("flash", SDPBackend.FLASH_ATTENTION)):
            try:
                with sdpa_kernel(be):
                    f = lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True)  # noqa: E731
                    f()
                    row["sdpa_" + name] = {"event_ms": event_ms(f), "back_to_back_ms": back_to_back_ms(f),
                                           "host_us": host_us(f)}
            except Exception as exc:  # a backend that refuses the shape
                row["sdpa_" + name] = {"error": str(exc)[:100]}
        row["dlpack_q_us"] = host_us(lambda: q.__dlpack__(), n=200)
        rows.append(row)
        print(json.dumps(row), flush=True)
        del k, v, cache
        torch.cuda.empty_cache()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "decode_overhead.json"), "w") as fh:
        json.dump({"device": torch.cuda.get_device_name(0), "command": " ".join(sys.argv), "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
