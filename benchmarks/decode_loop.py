"""Decode steps as a model runs them: for each generated token, every layer appends the token's K and V to its
cache and attends its query to it. turboattn (a compressed cache per layer: append() then flashq_attention(q,
kv=cache, out=...), or as one call, flashq_attention(q, kv=cache, k_new=..., v_new=..., out=...)) against PyTorch on a preallocated FP16 cache (the token written in place, then
scaled_dot_product_attention with enable_gqa over the filled rows) with the flash backend, the baseline of the
ratio, and with torch's default choice, which on an H100 takes cuDNN and builds a new cuDNN plan for every new
K length (about 1.5-2 ms a call here, decode-v18 runs 7-8).

    python benchmarks/decode_loop.py --out DIR [--layers 32 --B 1 --hq 32 --hkv 8 --d 128 --n 32768 --tokens 128]

Reports per token: wall time (the host waits for the GPU at each token's end, as sampling would), and the GPU's
busy time (the union of the kernels' intervals, by profiler, over later tokens of the same run). Their difference
is time the GPU waits for the host: for turboattn that includes the host waiting for each call's NaN/Inf check (q in attention,
k_new and v_new in append) before it can queue the next; turboattn_step waits once a layer, while the attention
runs. Each turboattn method has its own caches. The wall ratio depends on the host: SDPA's loop is host-bound, and
its time a token moved by 2.0-3.6 ms between processes on one machine (session 46 run 4), the ratio with it, whether
each method's tokens ran in one run (the default) or the methods took turns token by token (--in-turn). So the busy
ratio is reported beside it: GPU time a token, steady within 1.13-1.26x over those processes. A programmatic
dependent launch that waits for the kernel before it counts as busy while it waits, so the one-call step's busy time
is an upper bound. Writes DIR/decode_loop.json and prints a summary.
Attention only: no projections or MLPs, which in a real model would give the host time to run ahead.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import turboattn  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

D = 128


def make_layers(args, g):
    """Per layer: a turboattn cache for each turboattn method and a preallocated FP16 cache of the same n tokens (x20
    outlier key channels), the tokens to append and the queries of each step."""
    layers = []
    for _ in range(args.layers):
        k = torch.randn(args.B, args.hkv, args.n, D, device="cuda", dtype=torch.float16, generator=g)
        v = torch.randn(args.B, args.hkv, args.n, D, device="cuda", dtype=torch.float16, generator=g)
        k[..., :4] *= 20
        kc = torch.empty(args.B, args.hkv, args.n + args.tokens, D, device="cuda", dtype=torch.float16)
        vc = torch.empty_like(kc)
        kc[:, :, :args.n], vc[:, :, :args.n] = k, v
        shape_new = (args.tokens, args.B, args.hkv, 1, D)
        layers.append({
            "cache": quantize_kv_cuda(k, v, bits=args.bits),
            "cache_step": quantize_kv_cuda(k, v, bits=args.bits),
            "kc": kc, "vc": vc,
            "k_new": torch.randn(shape_new, device="cuda", dtype=torch.float16, generator=g),
            "v_new": torch.randn(shape_new, device="cuda", dtype=torch.float16, generator=g),
            "q": torch.randn(args.tokens, args.B, args.hq, 1, D, device="cuda", dtype=torch.float16, generator=g),
            "out": torch.empty(args.B, args.hq, 1, D, device="cuda", dtype=torch.float16),
        })
        del k, v
    return layers


def turbo_token(layers, t, n0):
    for L in layers:
        L["cache"].append(L["k_new"][t], L["v_new"][t])
        turboattn.flashq_attention(L["q"][t], kv=L["cache"], out=L["out"])


def turbo_step_token(layers, t, n0):
    for L in layers:
        turboattn.flashq_attention(L["q"][t], kv=L["cache_step"], k_new=L["k_new"][t], v_new=L["v_new"][t],
                                   out=L["out"])


def sdpa_token(layers, t, n0):
    n = n0 + t
    for L in layers:
        L["kc"][:, :, n:n + 1].copy_(L["k_new"][t])
        L["vc"][:, :, n:n + 1].copy_(L["v_new"][t])
        L["out"] = F.scaled_dot_product_attention(L["q"][t], L["kc"][:, :, :n + 1], L["vc"][:, :, :n + 1],
                                                  enable_gqa=True)


def sdpa_flash_token(layers, t, n0):
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        sdpa_token(layers, t, n0)


def one_token_ms(step, layers, args, t):
    """Wall milliseconds of token t, the GPU synchronised before and at its end."""
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    step(layers, t, args.n)
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3


def run(step, layers, args, first, count):
    """Wall milliseconds per token for tokens [first, first + count)."""
    return [one_token_ms(step, layers, args, t) for t in range(first, first + count)]


def run_in_turn(steps, layers, args, first, count):
    """The same for several methods, token t of each before token t + 1 of any, the order rotated by one a token."""
    times = {name: [] for name in steps}
    names = list(steps)
    for i, t in enumerate(range(first, first + count)):
        for name in names[i % len(names):] + names[:i % len(names)]:
            times[name].append(one_token_ms(steps[name], layers, args, t))
    return times


def busy_ms(step, layers, args, first, count):
    """The GPU's busy milliseconds per token over the same kind of tokens: the union of the kernels' and copies'
    intervals (turboattn's residual split can run beside the warp kernel, so lengths alone would count it twice)."""
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for t in range(first, first + count):
            step(layers, t, args.n)
            torch.cuda.synchronize()
    spans = sorted((e.time_range.start, e.time_range.end) for e in prof.events()
                   if e.device_type == torch.autograd.DeviceType.CUDA)
    total_us, end = 0.0, float("-inf")
    for a, b in spans:
        if b > end:
            total_us += b - max(a, end)
            end = b
    return total_us / 1e3 / count


def main():
    global D
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--hq", type=int, default=32)
    ap.add_argument("--hkv", type=int, default=8)
    ap.add_argument("--d", type=int, default=D, help="head dim (e.g. 96 for Phi-3-mini's 32 heads)")
    ap.add_argument("--n", type=int, default=32768, help="tokens in each cache before the first step")
    ap.add_argument("--tokens", type=int, default=128, help="steps, each appending one token to every layer")
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--methods", default="turboattn,turboattn_step,sdpa_flash,sdpa_default",
                    help="a comma-separated subset")
    ap.add_argument("--in-turn", action="store_true",
                    help="the methods take turns token by token (the order rotated) instead of one run each")
    args = ap.parse_args()
    D = args.d
    os.makedirs(args.out, exist_ok=True)
    layers = make_layers(args, torch.Generator(device="cuda").manual_seed(7))
    # The steps' tokens: a few to warm up, then the timed ones, then the profiled ones, for each method; turboattn's
    # caches compress a block every 64 tokens, so the timed run covers at least one compression per layer.
    warm, timed = 4, args.tokens // 2
    result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "args": vars(args)}
    methods = {"turboattn": turbo_token, "turboattn_step": turbo_step_token, "sdpa_flash": sdpa_flash_token,
               "sdpa_default": sdpa_token}
    steps = {name: methods[name] for name in args.methods.split(",")}
    result["timing"] = "in turn, token by token" if args.in_turn else "one run a method"
    for step in steps.values():
        run(step, layers, args, 0, warm)
    if args.in_turn:
        walls = run_in_turn(steps, layers, args, warm, timed)
    else:
        walls = {name: run(step, layers, args, warm, timed) for name, step in steps.items()}
    for name, step in steps.items():
        wall = walls[name]
        busy = busy_ms(step, layers, args, warm + timed, args.tokens - warm - timed)
        med = statistics.median(wall)
        result[name] = {"wall_ms_per_token": med, "wall_ms_min": min(wall), "wall_ms_max": max(wall),
                        "gpu_busy_ms_per_token": busy, "gpu_idle_fraction": max(0.0, 1 - busy / med)}
        print(f"{name:10s} {med:7.3f} ms a token ({min(wall):.3f}-{max(wall):.3f}), GPU busy {busy:7.3f} ms "
              f"({100 * busy / med:.0f} %), {1e3 * med / args.layers:6.1f} us a layer", flush=True)
    for name, key in (("turboattn", "speedup"), ("turboattn_step", "speedup_step")):
        if name in result and "sdpa_flash" in result:
            result[key] = result["sdpa_flash"]["wall_ms_per_token"] / result[name]["wall_ms_per_token"]
            result[key + "_busy"] = result["sdpa_flash"]["gpu_busy_ms_per_token"] / result[name]["gpu_busy_ms_per_token"]
            print(f"{name} {result[key]:.2f}x faster a token than SDPA (flash) on an FP16 cache; "
                  f"{result[key + '_busy']:.2f}x by GPU busy time", flush=True)
    with open(os.path.join(args.out, "decode_loop.json"), "w") as fh:
        json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
