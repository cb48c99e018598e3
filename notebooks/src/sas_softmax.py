# %% [markdown]
# # SAS on its own: the 2^t approximation and the sparsity of real score rows
#
# SAS computes `2^t` (t ≤ 0, base-2 scores minus the row maximum) as `2^-n` from a table times a cubic
# in `f = -t - n` evaluated in float16, and returns 0 for `t < -sas_threshold`. This notebook measures
# (1) the error of that `2^t` over its range, (2) how much of a real attention row the threshold drops
# (scores of SmolLM2-135M, `tests/data/real_qkv.npz`), and (3) what the threshold costs in a softmax
# and in attention outputs.

# %%
import numpy as np
import matplotlib.pyplot as plt

import turboattn as ta
from sweep_utils import SMALL, errors, load_real, md_table

LOG2E = np.log2(np.e)
real = load_real()
n_tok = 128 if SMALL else real["q"].shape[2]
layers = [0, len(real["layers"]) - 1] if SMALL else list(range(len(real["layers"])))
print(f"SMALL={SMALL}: real sample {real['q'].shape}, using {n_tok} tokens, layers {real['layers'][layers].tolist()}")


def sas_exp2(t, threshold=8):
    """SAS's 2^t read back through sas_softmax: a two-entry row [0, t·ln2] gives p1 / p0 = 2^t."""
    t = np.asarray(t, dtype=np.float64)
    row = np.stack([np.zeros_like(t), t / LOG2E], axis=-1).astype(np.float32)
    p = np.asarray(ta.sas_softmax(row, axis=-1, threshold=threshold), dtype=np.float64)
    return p[..., 1] / p[..., 0]


def real_scores(layer, n=n_tok):
    """Causal base-2 scores minus the row max, [Hq, n, n] (float64; masked entries -inf)."""
    q = real["q"][layer, :, :n].astype(np.float64)
    k = real["k"][layer, :, :n].astype(np.float64)
    k = np.repeat(k, q.shape[0] // k.shape[0], axis=0)  # grouped-query attention
    s = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]) * LOG2E
    s = np.where(np.tril(np.ones((n, n), dtype=bool)), s, -np.inf)
    return s - s.max(axis=-1, keepdims=True)


# %% [markdown]
# ## 1. Error of SAS's 2^t over t ∈ [−T, 0]
# The relative error is that of the float16 cubic (the table entries are exact powers of two), so it
# repeats with period 1 in t; float16 rounding of the product is ~2⁻¹¹ ≈ 4.9e-4 relative at most.

# %% results
points = 2001 if SMALL else 40001
t = -np.linspace(0.0, 8.0, points)
approx = sas_exp2(t, threshold=8)
rel = np.abs(approx - np.exp2(t)) / np.exp2(t)
frac = (-t) % 1.0
print(md_table([{"range": "t in [-8, 0]", "max rel err": rel.max(), "mean rel err": rel.mean(),
                 "worst t": float(t[rel.argmax()]), "float16 half-ulp": 2.0 ** -11}],
               ["range", "max rel err", "mean rel err", "worst t", "float16 half-ulp"]))
beyond = sas_exp2(np.array([-8.0, -8.001, -9.0, -20.0]), threshold=8)
print(f"\nthreshold 8: 2^t at t = -8, -8.001, -9, -20 -> {beyond} (dropped below -8)")

fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
axes[0].semilogy(t, np.maximum(rel, 1e-9), linewidth=0.6)
axes[0].set_xlabel("t")
axes[0].set_title("relative error of SAS 2^t")
axes[1].plot(frac, rel, ",", alpha=0.5)
axes[1].set_xlabel("f = fractional part of -t")
axes[1].set_title("same error against f (period 1)")
for ax in axes:
    ax.grid(True, alpha=0.3)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Sparsity of real attention rows
# Fraction of the *causally visible* scores of each row that lie more than T below the row maximum
# (these SAS skips), and the probability mass they held in the exact softmax.

# %% results
thresholds = [2, 4, 6, 8, 10, 12, 16]
rows = []
for li in layers:
    s = real_scores(li)
    visible = np.isfinite(s)
    p = np.where(visible, np.exp2(s), 0.0)
    p /= p.sum(axis=-1, keepdims=True)
    row = {"layer": int(real["layers"][li])}
    for thr in thresholds:
        dropped = visible & (s < -thr)
        row[f"T={thr} skipped"] = dropped.sum() / visible.sum()
        row[f"T={thr} mass"] = (p * dropped).sum(axis=-1).mean()
    rows.append(row)
cols = ["layer"] + [f"T={thr} skipped" for thr in thresholds]
print("Fraction of visible scores skipped (t < -T):\n")
print(md_table(rows, cols, fmt={c: ".3f" for c in cols[1:]}))
cols = ["layer"] + [f"T={thr} mass" for thr in thresholds]
print("\nMean softmax mass per row in the skipped scores:\n")
print(md_table(rows, cols, fmt={c: ".2e" for c in cols[1:]}))

fig, ax = plt.subplots(figsize=(6, 3.4))
for row in rows:
    ax.plot(thresholds, [row[f"T={thr} skipped"] for thr in thresholds], marker="o", label=f"layer {row['layer']}")
ax.set_xlabel("threshold T")
ax.set_ylabel("fraction skipped")
ax.set_title("Sparsity SAS finds in real score rows")
ax.legend(fontsize=7)
ax.grid(True, alpha=0.3)
plt.show()

# %% [markdown]
# Random Gaussian q, k (same shape, `sm_scale = 1/√D`) give far flatter rows, hence much less to skip:

# %% results
rng = np.random.default_rng(0)
d = real["q"].shape[-1]
gq, gk = rng.standard_normal((2, 1, n_tok, d))
gs = gq[0] @ gk[0].T / np.sqrt(d) * LOG2E
gs = np.where(np.tril(np.ones((n_tok, n_tok), dtype=bool)), gs, -np.inf)
gs = gs - gs.max(axis=-1, keepdims=True)
gvis = np.isfinite(gs)
print(md_table([{"input": "Gaussian", **{f"T={thr}": (gvis & (gs < -thr)).sum() / gvis.sum() for thr in thresholds}}],
               ["input"] + [f"T={thr}" for thr in thresholds], fmt={f"T={thr}": ".3f" for thr in thresholds}))

# %% [markdown]
# ## 3. The threshold's cost: softmax rows, then attention outputs
# `sas_softmax` on the real score rows against the exact softmax (per-row L1 error, the total
# probability misplaced), then `flashq_attention` on the real q, k, v with `softmax="sas"` at each
# threshold against `softmax="exact"` and against float64.

# %% results
rows = []
for thr in thresholds:
    l1, out_err, out_err_exact = [], [], []
    for li in layers:
        s = real_scores(li)
        x = np.where(np.isfinite(s), s / LOG2E, -np.inf).astype(np.float32)
        exact = np.where(np.isfinite(s), np.exp2(s), 0.0)
        exact /= exact.sum(axis=-1, keepdims=True)
        approx = np.asarray(ta.sas_softmax(x, axis=-1, threshold=thr), dtype=np.float64)
        l1.append(np.abs(approx - exact).sum(axis=-1).mean())
        q = real["q"][li][None, :, :n_tok]
        k = real["k"][li][None, :, :n_tok]
        v = real["v"][li][None, :, :n_tok]
        ref = ta.reference_attention(q, k, v, causal=True)
        sas_out = ta.flashq_attention(q, k, v, causal=True, sas_threshold=thr)
        exact_out = ta.flashq_attention(q, k, v, causal=True, softmax="exact")
        out_err.append(errors(sas_out, ref)["rel_l2"])
        out_err_exact.append(errors(sas_out, exact_out)["rel_l2"])
    rows.append({"T": thr, "softmax L1 per row": np.mean(l1), "attn rel L2 vs float64": np.mean(out_err),
                 "attn rel L2 vs exact-exp2 flashq": np.mean(out_err_exact)})
print(f"Real q/k/v, mean over layers {real['layers'][layers].tolist()}:\n")
print(md_table(rows, ["T", "softmax L1 per row", "attn rel L2 vs float64", "attn rel L2 vs exact-exp2 flashq"]))

fig, ax = plt.subplots(figsize=(6, 3.4))
for col in ["softmax L1 per row", "attn rel L2 vs float64", "attn rel L2 vs exact-exp2 flashq"]:
    ax.semilogy(thresholds, [r[col] for r in rows], marker="o", label=col)
ax.set_xlabel("threshold T")
ax.set_title("Effect of the SAS threshold (real activations)")
ax.legend(fontsize=7)
ax.grid(True, which="both", alpha=0.3)
plt.show()

# %% [markdown]
# ## Conclusions
# Numbers quoted from the full-size run in `notebooks/RESULTS.md`.
#
# - SAS's 2^t: max relative error 1.5e-3 over [−8, 0] (about three float16 half-ulps: the float16
#   rounding of f and of each Horner step add up), mean 2.7e-4; exact zero below the threshold.
# - Real score rows are sparse: at T = 8, 72–79 % of the visible scores of a row in layers 9–29 are
#   skipped (11 % in layer 0), against 1 % for Gaussian scores of the same shape.
# - But the skipped scores still hold 0.6–5 % of the softmax mass per row, and with the per-row P scale
#   they would not have quantized to zero, so T = 8 costs accuracy: mean attention rel L2 0.046
#   against 0.033 with exact `exp2`. **T = 10** (0.034) keeps about half of the sparsity at a third
#   of the cost; **T = 12** (0.0334) matches exact while still skipping 20–50 % of the scores in
#   layers 9–29. Below T = 6 the error grows fast.
