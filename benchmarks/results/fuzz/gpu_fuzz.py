"""Random calls on CUDA tensors (PyTorch) against the same calls on NumPy (the CPU path, the spec): shapes with
zeros and odd lengths, GQA, non-contiguous and reversed views, other dtypes, NaN/Inf/huge values, bad options,
caches with appends. Each call must either raise ValueError/TypeError on both devices, or succeed on both with
outputs within SPEC section 6's 2e-3 relative L2 and no NaN. Prints the mismatches; `python gpu_fuzz.py SEED N`."""
import sys

import numpy as np
import torch

import turboattn as ta
import ml_dtypes

seed, n_calls = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(seed)
DTYPES = [np.float16, np.float32, ml_dtypes.bfloat16, np.float64, np.int8]
TORCH = {np.float16: torch.float16, np.float32: torch.float32, ml_dtypes.bfloat16: torch.bfloat16,
         np.float64: torch.float64, np.int8: torch.int8}


def to_cuda(x):
    t = torch.from_numpy(np.ascontiguousarray(x).astype(np.float32) if x.dtype == ml_dtypes.bfloat16
                         else np.ascontiguousarray(x))
    t = t.to("cuda", TORCH[x.dtype.type] if x.dtype.type in TORCH else None)
    return t


def views(x, how):
    """The same view of the data on both sides: a transpose (BNHD), a reversed or strided sequence axis."""
    if how == "bnhd":
        return x.transpose(0, 2, 1, 3)
    if how == "rev":
        return x[:, :, ::-1]
    if how == "step":
        return x[:, :, ::2]
    return x


def tview(t, how):
    if how == "bnhd":
        return t.transpose(1, 2)
    if how == "rev":
        return t.flip(2)  # a copy: torch has no negative strides
    if how == "step":
        return t[:, :, ::2]
    return t


def run(device_inputs, fn):
    try:
        out = fn(*device_inputs)
        return "ok", out
    except (ValueError, TypeError) as e:
        return "raised", f"{type(e).__name__}: {e}"


problems = 0
counts = {"compared": 0, "raised on both": 0, "skipped": 0}
worst = 0.0
for it in range(n_calls):
    B = int(rng.integers(0, 3)) if rng.random() < 0.1 else int(rng.integers(1, 3))
    Hkv, r = int(rng.integers(1, 4)), int(rng.choice([1, 2, 4]))
    Nq, Nk = int(rng.integers(1, 150)), int(rng.integers(1, 150))
    if rng.random() < 0.05:
        Nq = 0
    D = int(rng.choice([64, 128, 96, 32, 256, 72])) if rng.random() < 0.3 else int(rng.choice([64, 128]))
    dt = DTYPES[int(rng.integers(0, len(DTYPES)))] if rng.random() < 0.2 else np.float16
    how = str(rng.choice(["plain", "bnhd", "rev", "step"], p=[0.7, 0.1, 0.1, 0.1]))
    full = how == "step"

    def make(shape):
        s = list(shape)
        if full:
            s[2] *= 2
        x = rng.standard_normal(s).astype(np.float32)
        if rng.random() < 0.3:
            x[..., rng.choice(shape[3], max(1, shape[3] // 32), replace=False)] *= 20.0
        if rng.random() < 0.04 and x.size:
            x.flat[int(rng.integers(0, x.size))] = rng.choice([np.nan, np.inf, 1e20])
        return x.astype(dt)

    q, k, v = make((B, Hkv * r, Nq, D)), make((B, Hkv, Nk, D)), make((B, Hkv, Nk, D))
    kw = {}
    if rng.random() < 0.4:
        kw["causal"] = bool(rng.random() < 0.5)
    if rng.random() < 0.3:
        kw["softmax"] = str(rng.choice(["exact", "sas"]))
    if rng.random() < 0.2:
        kw["sas_threshold"] = int(rng.integers(0, 25))
    if rng.random() < 0.1:
        kw["p_scale"] = "fixed"
    if rng.random() < 0.1:
        kw["sm_scale"] = float(rng.choice([0.01, 0.5, 2.0]))
    if how == "bnhd":
        kw["layout"] = "BNHD"
    decode = rng.random() < 0.35
    bits = int(rng.choice([2, 4, 8])) if rng.random() < 0.8 else [int(b) for b in rng.choice([2, 4], Hkv)]
    n_app = int(rng.integers(1, 70)) if decode and rng.random() < 0.5 else 0
    ka, va = make((B, Hkv, max(n_app, 1), D)), make((B, Hkv, max(n_app, 1), D))

    def call(q, k, v, ka, va):
        if not decode:
            return ta.flashq_attention(q, k, v, **kw)
        layout = kw.get("layout", "BHND")
        cache = ta.quantize_kv(k, v, bits=bits) if layout == "BHND" else None
        if cache is None:  # quantize_kv takes BHND only; BNHD decode runs on a BHND cache of the same tokens
            raise TypeError("skip")
        if n_app:
            cache.append(ka, va)
        kw2 = {x: y for x, y in kw.items() if x != "layout"}
        return ta.flashq_attention(q, kv=cache, **kw2)

    cpu_in = [views(x, how) for x in (q, k, v)] + [ka, va]
    gpu_in = [tview(to_cuda(x), how) for x in (q, k, v)] + [to_cuda(ka), to_cuda(va)]
    a = run(cpu_in, call)
    b = run(gpu_in, call)
    if a[0] == "raised" and "skip" in a[1]:
        counts["skipped"] += 1
        continue
    where = f"#{it} B{B} Hkv{Hkv} r{r} Nq{Nq} Nk{Nk} D{D} {np.dtype(dt).name} {how} {kw} decode={decode} bits={bits} app={n_app}"
    if a[0] != b[0]:
        problems += 1
        print("DIFFERENT OUTCOME", where, "| cpu:", str(a[1])[:150], "| gpu:", str(b[1])[:150])
        continue
    if a[0] == "raised":
        counts["raised on both"] += 1
        if a[1].split(":")[0] != b[1].split(":")[0]:
            print("DIFFERENT EXCEPTION", where, "| cpu:", a[1][:150], "| gpu:", b[1][:150])
        continue
    co = np.asarray(a[1], np.float64)
    go = torch.from_dlpack(b[1]).float().cpu().numpy().astype(np.float64)
    if go.shape != co.shape or not np.isfinite(go).all():
        problems += 1
        print("BAD OUTPUT", where, go.shape, co.shape, np.isfinite(go).all())
        continue
    den = np.linalg.norm(co)
    err = np.linalg.norm(go - co) / den if den > 0 else np.linalg.norm(go)
    counts["compared"] += 1
    worst = max(worst, err)
    if err > 2e-3:
        problems += 1
        print("PARITY", where, f"rel L2 {err:.2e}")
print(f"seed {seed}: {n_calls} calls, {problems} problems; {counts}; worst CPU-GPU rel L2 {worst:.2e}", flush=True)
