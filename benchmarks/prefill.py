"""Prefill attention on one GPU: turboattn (INT8 FlashQ + SAS, the quantization pre-pass and its NaN check
included) against PyTorch SDPA in FP16 with the flash backend and the cuDNN backend, on the same inputs.

B * N = 32768 tokens, H = 32 heads, N in {1024, 4096, 16384}, D in {64, 128}, causal and not. Reported:
median milliseconds over timed repetitions (CUDA events on the legacy default stream), each function in its own
block after 1 s of calls to it alone, so that each runs at the steady clock its own power draw leaves (--settled),
"TOPS-equivalent" = 4 * B * H * N^2 * D (halved when causal) / time, and turboattn's speed-up over each
baseline. Each configuration also checks that turboattn computed attention: relative L2 of its output
against the FP16 SDPA output (quantization error, expected around 1e-2 on Gaussian inputs).

    python benchmarks/prefill.py --out results/        # writes prefill.json and prefill.md
    python benchmarks/prefill.py --quick --variants 0 1   # N = 4096 only, two kernel variants per D

Needs PyTorch with CUDA (benchmarks only; turboattn itself does not use it).
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from timing import interleaved_ms, median_ms  # noqa: F401 (re-exported: session scripts import them from here)
from turboattn import _C

from turboattn import flashq_attention

SIZES = [1024, 4096, 16384]
TOKENS, HEADS = 32768, 32


def variant_call(w, call):
    """call with the prefill kernel table's row w (TURBOATTN_PREFILL_VARIANT, read by the launcher on every call)."""
    def run():
        os.environ["TURBOATTN_PREFILL_VARIANT"] = str(w)
        return call()
    return run


def turboattn_call(q, k, v, out, causal, softmax="sas"):
    return lambda: flashq_attention(q, k, v, causal=causal, out=out, softmax=softmax)


def sdpa_call(q, k, v, causal, backend):
    def run():
        with sdpa_kernel(backend):
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return run


def ceilings():
    """The two measured ceilings of METHOD.md: device copy bandwidth and an INT8 matrix product rate."""
    x = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    ms, _ = median_ms(lambda: y.copy_(x), 10)
    bw = 2 * x.numel() / ms / 1e9  # TB/s, bytes read + written
    a = torch.randint(-127, 128, (8192, 8192), dtype=torch.int8, device="cuda")
    b = torch.randint(-127, 128, (8192, 8192), dtype=torch.int8, device="cuda")
    ms_i8, _ = median_ms(lambda: torch._int_mm(a, b.t()), 10)
    h = torch.randn(8192, 8192, dtype=torch.float16, device="cuda")
    ms_f16, _ = median_ms(lambda: h @ h, 10)
    ops = 2 * 8192 ** 3
    del x, y, a, b, h
    return {"copy_TBps": bw, "int8_mm_TOPS": ops / ms_i8 / 1e9, "fp16_mm_TFLOPS": ops / ms_f16 / 1e9}


def one_config(N, D, causal, reps, variants, exact=True, baselines_in_turns=False, settled_ms=1000.0):
    B = TOKENS // N
    gen = torch.Generator(device="cuda").manual_seed(N * 1000 + D + causal)
    q, k, v = (torch.randn(B, HEADS, N, D, device="cuda", dtype=torch.float16, generator=gen) for _ in range(3))
    flops = 4 * B * HEADS * N * N * D * (0.5 if causal else 1.0)
    row = {"N": N, "D": D, "causal": causal, "B": B, "H": HEADS, "flops": flops}

    ref = sdpa_call(q, k, v, causal, SDPBackend.FLASH_ATTENTION)()
    baselines = []
    for name, backend in (("sdpa_flash", SDPBackend.FLASH_ATTENTION), ("sdpa_cudnn", SDPBackend.CUDNN_ATTENTION)):
        try:
            sdpa_call(q, k, v, causal, backend)()
            baselines.append((name, sdpa_call(q, k, v, causal, backend)))
        except RuntimeError as e:  # a backend that refuses the shape
            row[f"{name}_ms"] = None
            row[f"{name}_error"] = str(e).splitlines()[0]

    out = torch.full_like(q, float("nan"))
    # Each SDPA backend in its own block (its steady state), then the default kernel with SAS (the spec's softmax),
    # other variants, and softmax="exact" on the default kernel (the SFU's exp2: faster than SAS on Hopper,
    # NOTES-prefill v12) in turns. --baselines-in-turns times the backends in the same turns instead: each call then
    # runs at the clock its predecessor left, which moved cuDNN by -15 % and turboattn by +11 % at N = 16k
    # (NOTES-prefill v18, run 14). Three warm-ups are no steady state either: after an idle second flash ran 13 %
    # faster than after one second of its own calls (NOTES-prefill v21, run 2). So by default (--settled MS) every
    # function, turboattn's forms too, is timed in its own block after MS milliseconds of calls to it alone.
    sas = turboattn_call(q, k, v, out, causal)
    calls = [("turboattn" if w == variants[0] else f"turboattn_v{w}", variant_call(w, sas)) for w in variants]
    if exact:
        calls.append(("turboattn_exact", variant_call(variants[0], turboattn_call(q, k, v, out, causal, "exact"))))
    if baselines_in_turns:
        timings = interleaved_ms([c for _, c in baselines + calls], reps)
    elif settled_ms:
        timings = [median_ms(c, reps, settle_ms=settled_ms) for _, c in baselines + calls]
    else:
        timings = [median_ms(c, reps) for _, c in baselines] + interleaved_ms([c for _, c in calls], reps)
    for (key, _), (ms, _) in zip(baselines, timings):
        row[f"{key}_ms"] = ms
    for (key, call), (ms, samples) in zip(calls, timings[len(baselines):]):
        row[f"{key}_ms"] = ms
        row[f"{key}_spread"] = (min(samples), max(samples))
        out.fill_(float("nan"))
        call()
        err = (out.float() - ref.float()).norm() / ref.float().norm()
        row[f"{key}_rel_l2_vs_sdpa"] = float(err)
        row[f"{key}_all_finite"] = bool(torch.isfinite(out).all())
    os.environ.pop("TURBOATTN_PREFILL_VARIANT", None)

    # The pre-pass alone, approximated by the public quantizer on q, k and v (three launches, three syncs).
    codes = [_C.device_empty((B, HEADS, N, D), "int8", 0) for _ in range(3)]
    scales = [_C.device_empty((B, HEADS, (N + 63) // 64), "float32", 0) for _ in range(3)]
    ms, _ = median_ms(lambda: [_C.cuda_quantize_int8(x, c, s) for x, c, s in zip((q, k, v), codes, scales)], reps)
    row["quantize_qkv_ms"] = ms
    del q, k, v, out, ref, codes, scales
    torch.cuda.empty_cache()
    return row


def markdown(meta, rows):
    lines = [f"# Prefill attention: turboattn vs PyTorch SDPA (FP16)", "",
             f"Device: {meta['device']} (cc {meta['cc']}), torch {meta['torch']}, CUDA {meta['cuda']}. "
             f"B*N = {TOKENS} tokens, H = {HEADS}. Median of {meta['reps']} timed runs after warm-up, CUDA events, "
             + ("every backend and turboattn form of a row in turns. " if meta.get("baselines_in_turns")
                else f"every backend and turboattn form in its own block after {meta['settled_ms']:g} ms of calls to "
                "it alone. " if meta.get("settled_ms")
                else "SDPA backends each in its own block, then the turboattn forms in turns. ") +
             "TOPS-eq = 4*B*H*N^2*D (halved when causal) / time. turboattn time includes the INT8 pre-pass "
             "and its NaN/Inf check (one host sync).", ""]
    if meta.get("ceilings"):
        c = meta["ceilings"]
        lines += [f"Measured ceilings: copy {c['copy_TBps']:.2f} TB/s (read+write), torch._int_mm INT8 "
                  f"{c['int8_mm_TOPS']:.0f} TOPS, FP16 matmul {c['fp16_mm_TFLOPS']:.0f} TFLOPS.", ""]
    lines += ["| N | D | causal | B | turboattn ms | TOPS-eq | SDPA flash ms | TFLOPS | cuDNN ms | TFLOPS | "
              "x flash | x cuDNN | rel L2 vs SDPA | pre-pass ms (3 quantize calls) | exact softmax ms (x flash, x cuDNN, "
              "rel L2 vs SDPA) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def exact_cell(r):
        e, fl, cu = r.get("turboattn_exact_ms"), r.get("sdpa_flash_ms"), r.get("sdpa_cudnn_ms")
        if not e:
            return "-"
        return (f"{e:.3f} ({fl / e:.2f}x, " + (f"{cu / e:.2f}x" if cu else "-")
                + f", {r['turboattn_exact_rel_l2_vs_sdpa']:.4f})")

    def rate(row, key):
        ms = row.get(f"{key}_ms")
        return f"{row['flops'] / ms / 1e9:.0f}" if ms else "-"

    for r in rows:
        t, fl, cu = r["turboattn_ms"], r.get("sdpa_flash_ms"), r.get("sdpa_cudnn_ms")
        lines.append(f"| {r['N']} | {r['D']} | {r['causal']} | {r['B']} | {t:.3f} | {rate(r, 'turboattn')} | "
                     f"{fl:.3f} | {rate(r, 'sdpa_flash')} | " + (f"{cu:.3f} | {rate(r, 'sdpa_cudnn')} | " if cu else "- | - | ")
                     + f"{fl / t:.2f} | " + (f"{cu / t:.2f}" if cu else "-")
                     + f" | {r['turboattn_rel_l2_vs_sdpa']:.4f} | {r['quantize_qkv_ms']:.3f} | " + exact_cell(r) + " |")
    extra = sorted({k for r in rows for k in r if k.startswith("turboattn_v") and k.endswith("_ms")})
    if extra:
        lines += ["", "Other kernel variants (TURBOATTN_PREFILL_VARIANT), ms:", "",
                  "| N | D | causal | default | " + " | ".join(extra) + " |",
                  "|---|---|---|---|" + "---|" * len(extra)]
        for r in rows:
            lines.append(f"| {r['N']} | {r['D']} | {r['causal']} | {r['turboattn_ms']:.3f} | "
                         + " | ".join(f"{r[k]:.3f}" if k in r else "-" for k in extra) + " |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.environ.get("OUT", "."), help="directory for prefill.json / prefill.md")
    ap.add_argument("--quick", action="store_true", help="N = 4096 only")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--variants", type=int, nargs="*", default=[0],
                    help="kernel variants to time (TURBOATTN_PREFILL_VARIANT; 0 = default, listed first)")
    ap.add_argument("--dims", type=int, nargs="*", default=[64, 128])
    ap.add_argument("--no-ceilings", action="store_true")
    ap.add_argument("--no-exact", action="store_true", help="skip the softmax=\"exact\" column")
    ap.add_argument("--baselines-in-turns", action="store_true",
                    help="time the SDPA backends in turns with the turboattn forms instead of each in its own block")
    ap.add_argument("--settled", type=float, default=1000.0, metavar="MS",
                    help="time every function (backends and turboattn forms) in its own block, after MS ms of calls "
                         "to it alone (default 1000: each at its steady clock, NOTES-prefill v21); 0 = the method of "
                         "the records before session 24 (backends in blocks after 3 warm-ups, turboattn in turns)")
    args = ap.parse_args()
    info = _C.cuda_info()
    meta = {"device": info["name"], "cc": info["cc"], "torch": torch.__version__, "cuda": torch.version.cuda,
            "reps": args.reps, "path": "flashq_attention", "baselines_in_turns": args.baselines_in_turns,
            "settled_ms": args.settled, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    if not args.no_ceilings:
        meta["ceilings"] = ceilings()
    rows = []
    for N in ([4096] if args.quick else SIZES):
        for D in args.dims:
            for causal in (False, True):
                row = one_config(N, D, causal, args.reps, args.variants, not args.no_exact, args.baselines_in_turns,
                                 args.settled)
                rows.append(row)
                print(f"N={N:6d} D={D:3d} causal={causal!s:5}  turboattn {row['turboattn_ms']:8.3f} ms  "
                      f"flash {row['sdpa_flash_ms'] or float('nan'):8.3f}  cudnn {row['sdpa_cudnn_ms'] or float('nan'):8.3f}"
                      f"  relL2 {row['turboattn_rel_l2_vs_sdpa']:.4f}", flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "prefill.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    md = markdown(meta, rows)
    with open(os.path.join(args.out, "prefill.md"), "w") as f:
        f.write(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
