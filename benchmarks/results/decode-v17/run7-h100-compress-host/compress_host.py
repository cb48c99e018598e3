"""Session 20 (decode-v17 run 7): where the host time of quantize_kv_cuda goes (B = 1, Hkv = 8, N = 32k, D = 128,
fp16, 4 bits): wall time of each step, 20 calls after 3 warm-ups, the GPU synchronised before each step."""
import time

import torch

from turboattn import _C
from turboattn.cuda_kv import CudaQuantizedKV, quantize_kv_cuda

k = torch.randn(1, 8, 32768, 128, device="cuda", dtype=torch.float16)
v = torch.randn_like(k)


def timed(name, fn, n=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(n):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        ts.append((t1 - t0, t2 - t0))
    ts.sort()
    host, total = ts[n // 2]
    print(f"{name:40s} host {host * 1e6:8.1f} us   until the GPU is done {total * 1e6:8.1f} us", flush=True)


timed("quantize_kv_cuda (whole call)", lambda: quantize_kv_cuda(k, v, bits=4))
timed("CudaQuantizedKV(1, 8, 128)", lambda: CudaQuantizedKV(1, 8, 128, bits=4, dtype="float16", device=0))
cache = [None]


def build_and_append():
    c = CudaQuantizedKV(1, 8, 128, bits=4, dtype="float16", device=0)
    c.append(k, v)


timed("constructor + append", build_and_append)
timed("_C.cuda_take_tokens (check only)", lambda: _C.cuda_take_tokens(k, v, 1, 8, 128, "float16", 0, None, None, 0, 0)
      if False else None)
import numpy as np
timed("device_from_numpy(8 bytes)", lambda: _C.device_from_numpy(np.zeros(8, np.uint8), 0))
timed("device_empty((512*8*128,), uint8)", lambda: _C.device_empty((512 * 8 * 128,), "uint8", 0))
