# %% [markdown]
# # Accuracy sweep: FlashQ + SAS against float64 and plain FP16 attention
#
# Every number below is an error of turboattn's CPU path against float64 attention on the **same
# float16 inputs** (`reference_attention(..., dtype="float64")`), next to the error of plain FP16
# attention (`reference_attention(..., dtype="float16")`) on those inputs: a threshold means something
# only relative to what FP16 itself gets (FlashAttention's test habit).
#
# Measures: cosine similarity (plotted as 1 − cos), relative L2 (‖out − ref‖ / ‖ref‖) and max abs
# error, over all heads and rows. Inputs are seeded: Gaussian q, k, v, optionally with four key
# channels scaled ×5/×20/×100 (real LLM keys have a few such channels), and a *peaked* softmax made
# by multiplying `sm_scale`.
#
# `SMALL=1` (the tests) shrinks every sweep to seconds; `notebooks/RESULTS.md` holds a full run.

# %%
import numpy as np
import matplotlib.pyplot as plt

import turboattn as ta
from sweep_utils import (DISTRIBUTIONS, SMALL, call_or_none, errors, head_errors, make_qkv, md_table,
                         plot_sweep)

N = 128 if SMALL else 1024           # sequence length of the fixed-size sweeps
D = 64 if SMALL else 128             # head dim
H = 2 if SMALL else 4                # heads
PEAKED = 4.0                         # sm_scale multiplier of the "peaked" inputs
print(f"SMALL={SMALL}: N={N}, D={D}, H={H}")


def prefill_case(dist, n=N, d=D, h=H, scale_mult=1.0, seed=0):
    """(q, k, v, sm_scale, float64 reference, FP16 baseline errors) for causal prefill."""
    q, k, v = make_qkv(seed, n, d, heads_q=h, heads_kv=h, dist=dist)
    sm_scale = scale_mult / np.sqrt(d)
    ref = ta.reference_attention(q, k, v, causal=True, sm_scale=sm_scale, dtype="float64")
    fp16 = ta.reference_attention(q, k, v, causal=True, sm_scale=sm_scale, dtype="float16")
    return q, k, v, sm_scale, ref, errors(fp16, ref)


CASES = [(dist, 1.0) for dist in DISTRIBUTIONS] + [("gaussian", PEAKED)]


def case_name(dist, mult):
    return dist if mult == 1.0 else f"peaked (sm_scale x{mult:g})"


# %% [markdown]
# ## 1. Default prefill (INT8 Q/K/V, SAS, row-scaled P) against FP16 attention

# %% results
rows = []
for dist, mult in CASES:
    q, k, v, sm, ref, fp16 = prefill_case(dist, scale_mult=mult)
    sas = errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm), ref)
    exact = errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm, softmax="exact"), ref)
    rows.append({"input": case_name(dist, mult), "cos": sas["cos"], "rel L2": sas["rel_l2"],
                 "max abs": sas["max_abs"], "rel L2 (exact exp2)": exact["rel_l2"],
                 "rel L2 FP16": fp16["rel_l2"], "x FP16": sas["rel_l2"] / fp16["rel_l2"]})
print(f"Causal prefill, N={N}, D={D}, H={H}:\n")
print(md_table(rows, ["input", "cos", "rel L2", "max abs", "rel L2 (exact exp2)", "rel L2 FP16", "x FP16"],
               fmt={"cos": ".6f", "x FP16": ".0f"}))

# %% [markdown]
# ## 2. Softmax: exact `exp2` against SAS, and the SAS sparsity threshold
# SAS drops every score more than `sas_threshold` below the running row maximum (in log2 units).

# %% results
thresholds = [2, 4, 8, 12] if SMALL else [2, 3, 4, 6, 8, 10, 12, 16, 24]
curves, exact_lines, table = {}, {}, []
for dist, mult in [CASES[0], CASES[2], CASES[-1]]:
    q, k, v, sm, ref, fp16 = prefill_case(dist, scale_mult=mult)
    name = case_name(dist, mult)
    curves[name] = [errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm, sas_threshold=t), ref)
                    for t in thresholds]
    exact_lines[f"exact, {name}"] = errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm,
                                                               softmax="exact"), ref)
    table.append({"input": name, **{f"T={t}": e["rel_l2"] for t, e in zip(thresholds, curves[name])},
                  "exact": exact_lines[f"exact, {name}"]["rel_l2"]})
print("rel L2 against float64 by SAS threshold T:\n")
print(md_table(table, ["input"] + [f"T={t}" for t in thresholds] + ["exact"], fmt={}))
plot_sweep(thresholds, curves, "sas_threshold", "SAS threshold (dashed: exact exp2)", baselines=exact_lines)

# %% [markdown]
# ## 3. P scale: one scale per row and key block (`"row"`) against the fixed 1/255 (`"fixed"`)

# %% results
rows = []
for dist, mult in CASES:
    q, k, v, sm, ref, fp16 = prefill_case(dist, scale_mult=mult)
    row = {"input": case_name(dist, mult)}
    for p_scale in ("row", "fixed"):
        for softmax in ("sas", "exact"):
            out = ta.flashq_attention(q, k, v, causal=True, sm_scale=sm, p_scale=p_scale, softmax=softmax)
            row[f"{p_scale}, {softmax}"] = errors(out, ref)["rel_l2"]
    rows.append(row)
print("rel L2 against float64:\n")
print(md_table(rows, ["input", "row, sas", "row, exact", "fixed, sas", "fixed, exact"]))

# %% [markdown]
# ## 4. Quantization block size (CPU only; the CUDA kernels use 64)
# A block is the number of rows sharing one INT8 scale (Q, K, V) and one stage-2 group of keys.

# %% results
blocks = [32, 64, 128]
rows, curves = [], {}
for dist, mult in CASES:
    q, k, v, sm, ref, fp16 = prefill_case(dist, scale_mult=mult)
    errs = [call_or_none(ta.flashq_attention, q, k, v, causal=True, sm_scale=sm, block=b) for b in blocks]
    if any(e is None for e in errs):
        print("flashq_attention takes no block= keyword in this build; block sweep skipped")
        break
    curves[case_name(dist, mult)] = [errors(e, ref) for e in errs]
    rows.append({"input": case_name(dist, mult),
                 **{f"block {b}": e["rel_l2"] for b, e in zip(blocks, curves[case_name(dist, mult)])}})
if rows:
    print("Prefill rel L2 against float64 by block size:\n")
    print(md_table(rows, ["input"] + [f"block {b}" for b in blocks]))
    plot_sweep(blocks, curves, "block (rows per scale)", "Block size", logx=True)

# %% [markdown]
# ## 5. Sequence length (causal prefill)

# %% results
lengths = [64, 128, 256] if SMALL else [128, 256, 512, 1024, 2048, 4096]
heads = 1 if SMALL else 2
curves, rows = {}, []
for dist, mult in [CASES[0], CASES[2], CASES[-1]]:
    name = case_name(dist, mult)
    curves[name], curves[f"exact, {name}"], curves[f"FP16, {name}"] = [], [], []
    for n in lengths:
        q, k, v, sm, ref, fp16 = prefill_case(dist, n=n, h=heads, scale_mult=mult)
        curves[name].append(errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm), ref))
        curves[f"exact, {name}"].append(errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm,
                                                                   softmax="exact"), ref))
        curves[f"FP16, {name}"].append(fp16)
    for label in (name, f"exact, {name}"):
        rows.append({"input": label, **{f"N={n}": e["rel_l2"] for n, e in zip(lengths, curves[label])}})
print(f"Prefill rel L2 against float64 by sequence length (D={D}, {heads} heads; SAS T=8 and exact exp2):\n")
print(md_table(rows, ["input"] + [f"N={n}" for n in lengths]))
plot_sweep(lengths, curves, "sequence length", "Sequence length", logx=True)

# %% [markdown]
# ## 6. Peakedness: `sm_scale` multiplied by 1…16
# Larger `sm_scale` concentrates the softmax on a few keys; scores then carry the INT8 error of q·k
# magnified, and P has a few large entries per row.

# %% results
mults = [1, 4, 16] if SMALL else [1, 2, 4, 8, 16]
curves = {"flashq (sas)": [], "flashq (exact)": [], "FP16": []}
for mult in mults:
    q, k, v, sm, ref, fp16 = prefill_case("gaussian", scale_mult=mult)
    curves["flashq (sas)"].append(errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm), ref))
    curves["flashq (exact)"].append(errors(ta.flashq_attention(q, k, v, causal=True, sm_scale=sm,
                                                               softmax="exact"), ref))
    curves["FP16"].append(fp16)
print("rel L2 against float64 by sm_scale multiplier (Gaussian inputs):\n")
print(md_table([{"": label, **{f"x{m}": e["rel_l2"] for m, e in zip(mults, errs)}}
                for label, errs in curves.items()], [""] + [f"x{m}" for m in mults]))
plot_sweep(mults, curves, "sm_scale multiplier", "Peaked softmax", logx=True)

# %% [markdown]
# ## 7. Compressed KV cache: 8 / 4 / 2 bits and headwise mixed precision (decode)
# The cache holds all N tokens; the last 16 queries attend to it (`causal=True`, bottom-right aligned),
# as decode steps would. Mixed precision gives 2 bits to the fraction `frac_2bit` of KV heads whose
# 2-bit reconstruction error is smallest, 4 bits to the rest.

# %% results
kv_heads = 4 if SMALL else 8
n_queries = 16
configs = [("8 bit", dict(bits=8)), ("4 bit", dict(bits=4)),
           ("mixed 25% 2-bit", dict(bits=4, frac_2bit=0.25)), ("mixed 50% 2-bit", dict(bits=4, frac_2bit=0.5)),
           ("mixed 75% 2-bit", dict(bits=4, frac_2bit=0.75)), ("2 bit", dict(bits=2))]
rows, curves = [], {}
for dist, mult in CASES:
    q, k, v = make_qkv(1, N, D, heads_q=kv_heads, heads_kv=kv_heads, dist=dist)
    sm = mult / np.sqrt(D)
    q_last = q[:, :, -n_queries:]
    ref = ta.reference_attention(q_last, k, v, causal=True, sm_scale=sm)
    fp16 = errors(ta.reference_attention(q_last, k, v, causal=True, sm_scale=sm, dtype="float16"), ref)
    dense = errors(ta.flashq_attention(q_last, k, v, causal=True, sm_scale=sm), ref)
    name = case_name(dist, mult)
    curves[name] = []
    row = {"input": name, "FP16": fp16["rel_l2"], "INT8 dense": dense["rel_l2"]}
    for label, kw in configs:
        cache = ta.quantize_kv(k, v, **kw)
        err = errors(ta.flashq_attention(q_last, kv=cache, causal=True, sm_scale=sm), ref)
        curves[name].append(err)
        row[label] = err["rel_l2"]
    rows.append(row)
    last_ratio = {label: ta.quantize_kv(k, v, **kw).compression_ratio for label, kw in configs}
labels = [label for label, _ in configs]
print(f"Decode ({n_queries} queries) on a compressed cache of N={N} tokens, {kv_heads} KV heads: rel L2:\n")
print(md_table(rows, ["input", "FP16", "INT8 dense"] + labels))
print("\nCompression ratio against FP16 K/V:\n")
print(md_table([{"": "ratio", **last_ratio}], [""] + labels, fmt={label: ".2f" for label in labels}))
plot_sweep(labels, curves, "KV cache", "Decode on a compressed KV cache")

# %% [markdown]
# Mixed precision picks heads by their own 2-bit error; with `frac_2bit` swept finely:

# %% results
fracs = [0.0, 0.5, 1.0] if SMALL else [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0]
q, k, v = make_qkv(2, N, D, heads_q=kv_heads, heads_kv=kv_heads, dist="outlier x20")
q_last = q[:, :, -n_queries:]
ref = ta.reference_attention(q_last, k, v, causal=True)
rows = []
for frac in fracs:
    cache = ta.quantize_kv(k, v, bits=4, frac_2bit=frac)
    out = ta.flashq_attention(q_last, kv=cache, causal=True)
    worst = head_errors(out, ref).max()
    rows.append({"frac_2bit": frac, "bits per head": " ".join(str(int(b)) for b in np.asarray(cache.bits)),
                 "rel L2": errors(out, ref)["rel_l2"], "worst head rel L2": worst,
                 "ratio": cache.compression_ratio})
print("outlier x20 keys, decode:\n")
print(md_table(rows, ["frac_2bit", "bits per head", "rel L2", "worst head rel L2", "ratio"], fmt={"ratio": ".2f"}))

# %% [markdown]
# ## 7b. Head dim (decode on a compressed cache)
# Values are grouped per token in runs of 64 channels, so at D = 80 and 96 (Phi-2, Phi-3-mini) each token's last
# group holds 16 or 32 channels; keys are grouped per channel over 64 tokens whatever D is. The same decode as
# section 7 at each head dim (4 bits, mixed half at 2 bits, 2 bits).

# %% results
dims = [64, 96] if SMALL else [64, 80, 96, 128, 256]
dim_configs = [("4 bit", dict(bits=4)), ("mixed 50% 2-bit", dict(bits=4, frac_2bit=0.5)), ("2 bit", dict(bits=2))]
rows = []
for dist in ("gaussian", "outlier x20"):
    for d in dims:
        q, k, v = make_qkv(3, N, d, heads_q=kv_heads, heads_kv=kv_heads, dist=dist)
        q_last = q[:, :, -n_queries:]
        ref = ta.reference_attention(q_last, k, v, causal=True)
        row = {"input": dist, "D": d,
               "FP16": errors(ta.reference_attention(q_last, k, v, causal=True, dtype="float16"), ref)["rel_l2"]}
        for label, kw in dim_configs:
            cache = ta.quantize_kv(k, v, **kw)
            row[label] = errors(ta.flashq_attention(q_last, kv=cache, causal=True), ref)["rel_l2"]
            row[f"ratio {label}"] = cache.compression_ratio
        rows.append(row)
labels = [label for label, _ in dim_configs]
print(f"Decode ({n_queries} queries) on a compressed cache of N={N} tokens, {kv_heads} KV heads, by head dim: rel L2"
      " and compression ratio against FP16 K/V:\n")
print(md_table(rows, ["input", "D", "FP16"] + labels + [f"ratio {label}" for label in labels],
               fmt={f"ratio {label}": ".2f" for label in labels}))

# %% [markdown]
# ## 8. Accuracy options (when this build has them)
# `qk_scale="token"` (one INT8 scale per query/key row instead of per 64-row block), `k_smooth`
# (subtract the per-channel key mean before quantizing: it cancels in softmax) and `qk_equalize`
# (move per-channel key magnitude into q before quantizing). A missing option prints "n/a".

# %% results
options = [("default", {}), ("qk_scale=token", {"qk_scale": "token"}), ("k_smooth", {"k_smooth": True}),
           ("qk_equalize", {"qk_equalize": True}),
           ("token + equalize", {"qk_scale": "token", "qk_equalize": True}),
           ("all three", {"qk_scale": "token", "k_smooth": True, "qk_equalize": True}),
           ("token + equalize, T=12", {"qk_scale": "token", "qk_equalize": True, "sas_threshold": 12})]
rows = []
for dist, mult in CASES:
    q, k, v, sm, ref, fp16 = prefill_case(dist, scale_mult=mult)
    row = {"input": case_name(dist, mult), "FP16": fp16["rel_l2"]}
    for label, kw in options:
        out = call_or_none(ta.flashq_attention, q, k, v, causal=True, sm_scale=sm, **kw)
        row[label] = "n/a" if out is None else errors(out, ref)["rel_l2"]
    rows.append(row)
print("Prefill rel L2 against float64:\n")
print(md_table(rows, ["input", "FP16"] + [label for label, _ in options]))

# %% [markdown]
# ## Conclusions
# Numbers quoted from the full-size run in `notebooks/RESULTS.md` (N = 1024, D = 128 unless stated).
#
# - **INT8 Q/K/V sets the floor.** Gaussian inputs: rel L2 0.015 (cos 0.99988), about 60× plain FP16
#   attention's 2.5e-4. Key outlier channels raise it (×5: 0.04, ×20: 0.08, ×100: 0.17) because the
#   outliers set the INT8 scale of their whole 64-row block.
# - **SAS at the default threshold 8 is not free** once a row's mass sits in a long tail: it matches
#   exact `exp2` on Gaussian rows (0.0154 vs 0.0152) but costs 20–130 % more error on outlier ×5,
#   peaked and `sm_scale`×2 rows (e.g. 0.055 vs 0.024 at ×2). With the per-row P scale, values below
#   2⁻⁸ of the row maximum do *not* all quantize to 0, so dropping them loses mass. **T = 10** recovers
#   most of it and **T = 12** all of it (within 1 % of exact); T ≤ 6 is clearly harmful.
# - **Row-scaled P** beats the fixed 1/255 scale a little everywhere (peaked, exact: 0.029 vs 0.031).
# - **Block size**: 32-row blocks cut the error 5–8 % against 64; 128 adds 5–10 %.
# - **Sequence length**: flat for Gaussian inputs. Peaked and outlier rows get worse with N mostly
#   through SAS's tail loss, which grows with the row length: peaked 0.026 → 0.050 from N = 128 to
#   4096 with T = 8, but only 0.024 → 0.030 with exact `exp2` (outlier ×20: 0.100 against 0.085).
# - **KV cache (decode)**: 8 bits ≈ dense INT8. 4 bits gives rel L2 ≈ 0.2 on Gaussian data, the
#   intrinsic error of a 16-level uniform quantizer over 64-value groups; 2 bits 0.7–1.0, i.e. little
#   of the signal survives on i.i.d. data. Mixed precision interpolates in the mean, but the worst head
#   jumps to ≈ 1.0 as soon as one head is at 2 bits.
# - **Head dim (decode)**: the 4-bit error is about the same from D = 64 to 256 (Gaussian 0.19–0.21, outlier ×20
#   0.21–0.25); at D = 80 and 96, whose last value group per token holds 16 or 32 channels, it is within that
#   spread. Those shorter groups carry a (step, zero) pair each too: 3.69–3.72× smaller than FP16 at 4 bits against
#   3.76×, and 4.80–4.85× mixed against 4.92×.
# - **Accuracy options** (dense prefill, beyond SPEC v1): `qk_equalize` is the one that matters for key
#   outliers (×20: 0.082 → 0.041; ×100: 0.17 → 0.049), `qk_scale="token"` takes another 10–40 % off
#   everywhere (Gaussian 0.0154 → 0.0131), `k_smooth` does nothing on these zero-mean keys. Token scales
#   + equalization + SAS T = 12 give 0.013–0.028 on every input here, against 0.015–0.17 by default.
