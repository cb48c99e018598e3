"""Helpers shared by the accuracy notebooks: inputs, error measures, tables.

SMALL=1 in the environment shrinks every sweep so that the tests can execute the notebooks in seconds.
"""
import os
from pathlib import Path

import numpy as np

import turboattn as ta

SMALL = os.environ.get("SMALL", "0") == "1"
REAL_QKV = Path(__file__).resolve().parent.parent / "tests" / "data" / "real_qkv.npz"

# Key channels made large in the "outlier" inputs: a handful, as in real LLM keys (KIVI, TurboAttention).
OUTLIER_CHANNELS = (3, 17, 40, 57)
DISTRIBUTIONS = ("gaussian", "outlier x5", "outlier x20", "outlier x100")


def make_qkv(seed, n, d, heads_q=4, heads_kv=4, dist="gaussian", batch=1, dtype=np.float16):
    """Seeded q [B, Hq, N, D], k, v [B, Hkv, N, D] in dtype; dist scales a few key channels."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((batch, heads_q, n, d))
    k = rng.standard_normal((batch, heads_kv, n, d))
    v = rng.standard_normal((batch, heads_kv, n, d))
    if dist.startswith("outlier"):
        factor = float(dist.split("x")[1])
        k[..., [c % d for c in OUTLIER_CHANNELS]] *= factor
    elif dist != "gaussian":
        raise ValueError(f"dist must be one of {DISTRIBUTIONS} (got {dist!r})")
    return q.astype(dtype), k.astype(dtype), v.astype(dtype)


def errors(out, ref):
    """cosine similarity, relative L2 and max abs error of out against ref (both converted to float64)."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    return {"cos": ta.cosine(out, ref), "rel_l2": ta.rel_l2(out, ref), "max_abs": ta.max_abs(out, ref)}


def head_errors(out, ref):
    """rel L2 per (batch, head): the worst head matters more than the average."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    return np.array([[ta.rel_l2(out[b, h], ref[b, h]) for h in range(out.shape[1])] for b in range(out.shape[0])])


def call_or_none(fn, *args, **kwargs):
    """fn(*args, **kwargs), or None when fn does not take one of these keywords (an option not built yet)."""
    try:
        return fn(*args, **kwargs)
    except TypeError as err:
        if "keyword" in str(err):  # "unexpected keyword argument" / "invalid keyword argument"
            return None
        raise


def md_table(rows, columns, fmt=None):
    """A Markdown table of dicts; fmt maps a column to a format spec (default: '.4g' for floats)."""
    fmt = fmt or {}

    def cell(row, col):
        value = row.get(col, "")
        if isinstance(value, (float, np.floating)):
            return format(float(value), fmt.get(col, ".4g"))
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r, c) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def load_real():
    """The real SmolLM2-135M attention inputs (see tests/data/README.md) as a dict of arrays."""
    with np.load(REAL_QKV) as data:
        return {name: data[name] for name in data.files}


def plot_sweep(x, curves, xlabel, title, logx=False, baselines=None):
    """Three panels (1 − cos, rel L2, max abs; log y) of curves {label: [errors(...) per x]}.

    baselines {label: errors(...)} are drawn as horizontal dashed lines (e.g. plain FP16 attention).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    panels = (("1 − cos", lambda e: max(1.0 - e["cos"], 1e-12)), ("rel L2", lambda e: e["rel_l2"]),
              ("max abs", lambda e: e["max_abs"]))
    for ax, (name, pick) in zip(axes, panels):
        for label, errs in curves.items():
            ax.plot(x, [pick(e) for e in errs], marker="o", label=label)
        for label, err in (baselines or {}).items():
            ax.axhline(pick(err), linestyle="--", color="gray", linewidth=1)
            ax.annotate(label, (0.02, pick(err)), xycoords=("axes fraction", "data"), fontsize=7, color="gray")
        ax.set_yscale("log")
        if logx:
            ax.set_xscale("log", base=2)
        if isinstance(x[0], str):
            ax.tick_params(axis="x", rotation=35, labelsize=7)
        ax.set_xlabel(xlabel)
        ax.set_title(name)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()
