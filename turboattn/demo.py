"""`python -m turboattn.demo`: a one-screen tour on the CPU — FlashQ + SAS prefill attention and a
compressed KV cache, each compared with float64 attention on the same inputs, in a few seconds.

The table it prints is the README's accuracy table (same seed, same sizes)."""
import argparse
import time

import numpy as np

import turboattn as ta


def make_inputs(rng, B, Hq, Hkv, N, D, key_outliers=0.0):
    """Gaussian q, k, v in float16; optionally a few key channels scaled up (real keys have them)."""
    q = rng.standard_normal((B, Hq, N, D)).astype(np.float32)
    k = rng.standard_normal((B, Hkv, N, D)).astype(np.float32)
    v = rng.standard_normal((B, Hkv, N, D)).astype(np.float32)
    if key_outliers:
        channels = rng.choice(D, size=max(1, D // 32), replace=False)
        k[..., channels] *= key_outliers
    return q.astype(np.float16), k.astype(np.float16), v.astype(np.float16)


def row(name, out, ref, fp16_ref, seconds):
    return (f"{name:<44} {ta.cosine(out, ref):>9.6f} {ta.rel_l2(out, ref):>9.4f} {ta.max_abs(out, ref):>8.4f}"
            f" {ta.rel_l2(fp16_ref, ref):>9.4f} {seconds * 1e3:>8.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seq", type=int, default=1024, help="sequence length N (default 1024)")
    parser.add_argument("--heads", type=int, default=8, help="query heads (default 8; KV heads = heads / 4)")
    parser.add_argument("--dim", type=int, default=128, help="head dim D (default 128)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(2024)
    B, Hq, Hkv, N, D = 1, args.heads, max(1, args.heads // 4), args.seq, args.dim
    built, present = ta.cuda_available()
    print(f"turboattn {ta.__version__}: CUDA built={built} device={present}; "
          f"B={B} Hq={Hq} Hkv={Hkv} N={N} D={D}, float16 inputs, CPU path\n")
    print(f"{'case':<44} {'cosine':>9} {'rel_l2':>9} {'max_abs':>8} {'fp16_l2':>9} {'ms':>8}")

    for label, outliers in (("gaussian", 0.0), ("key outliers x20", 20.0)):
        q, k, v = make_inputs(rng, B, Hq, Hkv, N, D, outliers)
        ref = ta.reference_attention(q, k, v, causal=True)
        fp16_ref = ta.reference_attention(q, k, v, causal=True, dtype="float16")
        for softmax in ("exact", "sas"):
            t0 = time.perf_counter()
            out = ta.flashq_attention(q, k, v, causal=True, softmax=softmax)
            print(row(f"prefill {label}, {softmax}", out.astype(np.float64), ref, fp16_ref, time.perf_counter() - t0))
        # Decode: the last query token against a compressed cache of everything before it.
        q_last = q[:, :, -1:, :]
        ref_last = ta.reference_attention(q_last, k, v, causal=True)
        fp16_last = ta.reference_attention(q_last, k, v, causal=True, dtype="float16")
        for bits, frac in ((4, None), (2, None), (4, 0.5)):
            t0 = time.perf_counter()
            cache = ta.quantize_kv(k, v, bits=bits, frac_2bit=frac)
            out = ta.flashq_attention(q_last, kv=cache, causal=True)
            name = f"decode {label}, {'mixed 2/4' if frac else f'{bits}-bit'} ({cache.compression_ratio:.2f}x)"
            print(row(name, out.astype(np.float64), ref_last, fp16_last, time.perf_counter() - t0))
    print("\nrel_l2/cosine/max_abs: against float64 attention on the unquantized inputs; fp16_l2: plain FP16 "
          "attention's own rel_l2 on the same inputs (the yardstick); (Nx): KV-cache compression vs FP16.")


if __name__ == "__main__":
    main()
