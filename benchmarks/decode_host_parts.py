"""Host time of the pieces of one decode call (cuda_attention_kv), wall clock per call, no synchronisation:
the whole call; the argument checks alone (q of another dtype makes the call raise right after q, the cache
and out are converted); q's DLPack import (view_info); the cache's array attributes.

    python benchmarks/decode_host_parts.py
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import torch  # noqa: E402

from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402
from decode_overhead import host_us  # noqa: E402


def per_call_us(fn):
    return host_us(fn, n=300)


def main():
    for B, Hq, Hkv, N in ((1, 32, 32, 32768), (8, 32, 8, 32768)):
        k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16)
        q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16)
        cache = quantize_kv_cuda(k, k, bits=4)
        out = torch.empty_like(q)
        q32 = q.float()
        call = lambda: _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)  # noqa: E731

        def checks_only():
            try:
                _C.cuda_attention_kv(q32, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
            except ValueError:
                pass
        names = ("k_codes", "k_group_step", "k_group_zero", "k_block_scale", "v_codes", "v_group_step",
                 "v_group_zero", "v_block_scale", "bits", "k_head_off", "v_head_off", "residual_k", "residual_v")
        print(f"({B}, {Hq}, {Hkv}, {N}):",
              f"call {per_call_us(call):.1f} us,",
              f"checks only {per_call_us(checks_only):.1f} us,",
              f"view_info(q) {per_call_us(lambda: _C.view_info(q, 'q')):.1f} us,",
              f"view_info(residual_k) {per_call_us(lambda: _C.view_info(cache.residual_k, 'r')):.1f} us,",
              f"13 cache attributes {per_call_us(lambda: [getattr(cache, n) for n in names]):.1f} us", flush=True)


if __name__ == "__main__":
    main()
