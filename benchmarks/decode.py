"""Decode attention on the GPU: turboattn's compressed cache (4-bit, 2-bit, mixed) against PyTorch SDPA on
FP16 K/V (flash, cuDNN and memory-efficient backends, enable_gqa), plus the device's copy bandwidth, the
cost of append() of one token and of compressing a 32k-token prefill.

    python benchmarks/decode.py --out DIR [--quick] [--d 64] [--nq 4] [--configs "B,Hq,Hkv,N;..."]

Writes DIR/decode.json and DIR/decode.md and prints the table. Needs torch with CUDA and turboattn built
with CUDA. Times are CUDA-event medians after warm-up; inputs are random (never zeros) with x20 outlier key
channels. A call is timed on data that is not in L2, as each layer's call of a model is: where a compressed cache
(or SDPA's FP16 K and V) is smaller than twice the L2, the timed calls take copies in turn, enough that the others
stream 2 x L2 between two uses of one (`copies`, per row; `--warm`: one cache back to back, as until session 46).
At the records whose caches fit in L2 the two ways differed by -7 to +11 % with no common direction, so the older
records stand (NOTES-decode, session 46, run 9).
"""
import argparse
import itertools
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import CudaQuantizedKV, quantize_kv_cuda  # noqa: E402
from timing import median_ms  # noqa: E402

CONFIGS = [(1, 32, 32, 32768), (8, 32, 8, 32768), (16, 32, 8, 8192), (1, 32, 8, 131072)]
D = 128
NQ = 1  # query tokens a call (--nq: several, as speculative decoding verifies drafts; no causal mask among them)


# --settled MS: each attention function is called for MS ms before it is timed, so that it runs at the clock its own
# power draw leaves rather than the one the previous function left (NOTES-prefill v21; NOTES-decode, session 24).
SETTLE_MS = 0.0


def cuda_time(fn, warmup=5, reps=30, settle_ms=0.0):
    """Median, min and max milliseconds of fn() between two CUDA events on the current (legacy default) stream."""
    med, times = median_ms(fn, reps, warmup, settle_ms)
    return med, min(times), max(times)


def copy_bandwidth():
    n = 1 << 30
    src = torch.empty(n, dtype=torch.uint8, device="cuda").random_(0, 255)
    dst = torch.empty_like(src)
    med, lo, hi = cuda_time(lambda: dst.copy_(src), warmup=3, reps=20)
    return 2 * n / (med * 1e-3) / 1e9  # GB/s, read + write


def make_inputs(B, Hq, Hkv, N, seed=0):
    g = torch.Generator(device="cuda").manual_seed(seed)
    k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
    cols = torch.randperm(D, generator=torch.Generator().manual_seed(seed))[:4]
    k[..., cols] *= 20
    q = torch.randn(B, Hq, NQ, D, device="cuda", dtype=torch.float16, generator=g)
    return q, k, v


L2_BYTES = 0  # the device's, set in main()


def copies(nbytes):
    """How many copies of nbytes of data the timed calls take in turn: 1 where it is larger than twice the L2,
    otherwise enough that the other copies stream 2 x L2 between two uses of one."""
    if not L2_BYTES or nbytes > 2 * L2_BYTES:
        return 1
    return min(64, -(-2 * L2_BYTES // nbytes) + 1)


def sdpa_times(q, k, v):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    out = {"copies": copies(2 * k.numel() * k.element_size())}
    kvs = [(k, v)] + [(k.clone(), v.clone()) for _ in range(out["copies"] - 1)]
    for name, backend in (("flash", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION),
                          ("efficient", SDPBackend.EFFICIENT_ATTENTION)):
        try:
            with sdpa_kernel(backend):
                ref = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
                turn = itertools.cycle(kvs)
                f = lambda: F.scaled_dot_product_attention(q, *next(turn), enable_gqa=True)  # noqa: E731
                med, lo, hi = cuda_time(f, settle_ms=SETTLE_MS)
            out[name] = {"ms": med, "min_ms": lo, "max_ms": hi}
            out.setdefault("_ref", ref)
        except Exception as exc:  # a backend that refuses the shape is reported, not fatal
            out[name] = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
    return out


def cold_caches(k, v, bits):
    """A cache of k and v, and as many more copies as copies() asks for, to be taken in turn."""
    first = quantize_kv_cuda(k, v, bits=bits)
    return [first] + [quantize_kv_cuda(k, v, bits=bits) for _ in range(copies(first.nbytes) - 1)]


def turbo_time(q, caches, exact=False):
    """The raw binding with the default options (SAS, threshold 8, per-row P scale), or softmax="exact", the caches
    taken in turn (cold_caches); the output is the first cache's."""
    B, Hq, Nq, _ = q.shape
    out = torch.empty_like(q)
    scale = 1.0 / math.sqrt(D)
    turn = itertools.cycle(caches)
    f = lambda: _C.cuda_attention_kv(q, next(turn), out, None, scale, False, exact, 8, False)  # noqa: E731
    med, lo, hi = cuda_time(f, settle_ms=SETTLE_MS)
    _C.cuda_attention_kv(q, caches[0], out, None, scale, False, exact, 8, False)
    torch.cuda.synchronize()
    return {"ms": med, "min_ms": lo, "max_ms": hi}, out


def turbo_time_env(q, caches, env=None):
    """turbo_time with environment knobs (TURBOATTN_DECODE_KERNEL, TURBOATTN_DECODE_VARIANT, ...) set for its calls and
    restored after: (median ms, output, the last call's plan)."""
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        t, out = turbo_time(q, caches)
        plan = _C.decode_last_plan()
    finally:
        for k, val in old.items():
            if val is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = val
    return t["ms"], out, plan


def api_time(q, caches):
    from turboattn.attention import flashq_attention
    turn = itertools.cycle(caches)
    med, lo, hi = cuda_time(lambda: flashq_attention(q, kv=next(turn)), warmup=3, reps=15, settle_ms=SETTLE_MS)
    return {"ms": med}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    ap.add_argument("--quick", action="store_true", help="first two configurations only")
    ap.add_argument("--d", type=int, default=128, help="head dimension (default 128, the issue's)")
    ap.add_argument("--nq", type=int, default=1, help="query tokens a call (default 1)")
    ap.add_argument("--configs", default=None, metavar="B,Hq,Hkv,N;...",
                    help="configurations instead of the issue's four")
    ap.add_argument("--warm", action="store_true",
                    help="time one cache back to back, as before session 46, even where it fits in L2")
    ap.add_argument("--settled", type=float, default=0.0, metavar="MS",
                    help="call each attention function for MS ms before timing it (default 0: five warm-ups)")
    args = ap.parse_args()
    global SETTLE_MS, D, NQ, L2_BYTES
    SETTLE_MS = args.settled
    D, NQ = args.d, args.nq
    configs = [tuple(int(x) for x in c.split(",")) for c in args.configs.split(";")] if args.configs else CONFIGS
    os.makedirs(args.out, exist_ok=True)
    props = torch.cuda.get_device_properties(0)
    result = {"device": props.name, "sm_count": props.multi_processor_count,
              "l2_bytes": getattr(props, "L2_cache_size", None), "torch": torch.__version__,
              "python": platform.python_version(), "command": " ".join(sys.argv), "configs": []}
    L2_BYTES = 0 if args.warm else result["l2_bytes"] or 0
    result["copy_GBps"] = copy_bandwidth()
    print(f"device {props.name}, copy bandwidth {result['copy_GBps']:.0f} GB/s (read+write)", flush=True)

    for B, Hq, Hkv, N in configs[:2] if args.quick else configs:
        q, k, v = make_inputs(B, Hq, Hkv, N)
        row = {"B": B, "Hq": Hq, "Hkv": Hkv, "N": N, "D": D, "Nq": NQ}
        fp16_bytes = 2 * B * Hkv * N * D * 2
        row["fp16_kv_bytes"] = fp16_bytes
        sd = sdpa_times(q, k, v)
        ref = sd.pop("_ref", None)
        row["sdpa_copies"] = sd.pop("copies")
        row["sdpa"] = sd
        best = min((x["ms"] for x in sd.values() if "ms" in x), default=float("nan"))
        row["sdpa_best_ms"] = best
        row["sdpa_best_GBps"] = fp16_bytes / (best * 1e-3) / 1e9
        for label, bits in (("4bit", 4), ("2bit", 2), ("mixed", [2 if h % 2 else 4 for h in range(Hkv)])):
            caches = cold_caches(k, v, bits)
            cache = caches[0]
            t, out = turbo_time(q, caches)
            t["copies"] = len(caches)
            t["nbytes"] = cache.nbytes
            t["compression_ratio"] = cache.compression_ratio
            t["GBps"] = cache.nbytes / (t["ms"] * 1e-3) / 1e9
            t["frac_of_copy_bw"] = t["GBps"] / result["copy_GBps"]
            t["speedup_vs_best_sdpa"] = best / t["ms"]
            if ref is not None:
                a, b = out.float(), ref.float()
                t["rel_l2_vs_sdpa"] = float((a - b).norm() / b.norm())
            if label != "mixed":  # softmax="exact": free splits, no look-back (docs/DESIGN.md)
                t["exact_ms"] = turbo_time(q, caches, exact=True)[0]["ms"]
                t["exact_speedup_vs_best_sdpa"] = best / t["exact_ms"]
            if label == "4bit":
                t["api_ms"] = api_time(q, caches)["ms"]
                # a decode step as most are: N - 27 tokens in the cache, so its last 37 rows are the residual window
                # (ratio against SDPA on all N tokens, 0.08 % more keys at N = 32k)
                part = cold_caches(k[:, :, :N - 27].contiguous(), v[:, :, :N - 27].contiguous(), 4)
                t["residual_rows"] = part[0].n_residual
                t["residual_ms"] = turbo_time(q, part)[0]["ms"]
                t["residual_speedup_vs_best_sdpa"] = best / t["residual_ms"]
                del part
                os.environ["TURBOATTN_DECODE_KERNEL"] = "cta"  # the earlier CTA kernel, same run
                t["cta_ms"] = turbo_time(q, caches)[0]["ms"]
                del os.environ["TURBOATTN_DECODE_KERNEL"]
            row[label] = t
            del cache, caches
            torch.cuda.empty_cache()
        result["configs"].append(row)
        print(json.dumps({kk: row[kk] for kk in ("B", "Hq", "Hkv", "N", "sdpa_best_ms")}), flush=True)
        del q, k, v
        torch.cuda.empty_cache()

    # append of one token to a 32k cache (includes its two NaN-check synchronisations), and 32k compression
    q, k, v = make_inputs(1, 32, 8, 32768, seed=1)
    cache = quantize_kv_cuda(k[:, :, :32767], v[:, :, :32767], bits=4)
    k1, v1 = k[:, :, -1:].contiguous(), v[:, :, -1:].contiguous()
    times = []
    for _ in range(60):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        cache.append(k1, v1)
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    result["append_one_token_ms"] = statistics.median(times[5:])
    med, lo, hi = cuda_time(lambda: quantize_kv_cuda(k, v, bits=4), warmup=2, reps=10)
    result["compress_32k_ms"] = med
    result["compress_32k_GBps_in"] = 2 * k.numel() * 2 / (med * 1e-3) / 1e9

    with open(os.path.join(args.out, "decode.json"), "w") as fh:
        json.dump(result, fh, indent=1)
    title = f"# Decode attention, {props.name} ({result['sm_count']} SMs), D = {D}"
    lines = [title + (f", {NQ} query tokens a call" if NQ > 1 else ""), "",
             f"Command: `{result['command']}`; copy bandwidth {result['copy_GBps']:.0f} GB/s (read+write); "
             f"append(1 token) {result['append_one_token_ms']:.3f} ms; compress 32k x 8 heads "
             f"{result['compress_32k_ms']:.2f} ms.", "",
             "| B | Hq | Hkv | N | SDPA flash ms | cuDNN ms | eff. ms | 4-bit ms (x, GB/s, %copy) | 2-bit ms (x) | "
             "mixed ms (x, ratio) | API 4-bit ms | 4-bit CTA kernel ms | 4-bit, 37 residual rows ms (x) | "
             "exact 4-bit ms (x) | exact 2-bit ms (x) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in result["configs"]:
        sd = row["sdpa"]
        cell = lambda name: f"{sd[name]['ms']:.3f}" if "ms" in sd[name] else "n/a"  # noqa: E731
        t4, t2, tm = row["4bit"], row["2bit"], row["mixed"]
        lines.append(
            f"| {row['B']} | {row['Hq']} | {row['Hkv']} | {row['N']} | {cell('flash')} | {cell('cudnn')} | "
            f"{cell('efficient')} | {t4['ms']:.3f} ({t4['speedup_vs_best_sdpa']:.2f}x, {t4['GBps']:.0f}, "
            f"{100 * t4['frac_of_copy_bw']:.0f}%) | {t2['ms']:.3f} ({t2['speedup_vs_best_sdpa']:.2f}x) | "
            f"{tm['ms']:.3f} ({tm['speedup_vs_best_sdpa']:.2f}x, {tm['compression_ratio']:.2f}) | {t4['api_ms']:.3f} | "
            f"{t4['cta_ms']:.3f} | {t4['residual_ms']:.3f} ({t4['residual_speedup_vs_best_sdpa']:.2f}x) | "
            f"{t4['exact_ms']:.3f} ({t4['exact_speedup_vs_best_sdpa']:.2f}x) | "
            f"{t2['exact_ms']:.3f} ({t2['exact_speedup_vs_best_sdpa']:.2f}x) |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "decode.md"), "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
