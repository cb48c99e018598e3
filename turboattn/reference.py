"""Unquantized attention in NumPy, the yardstick for FlashQ's error: float64, or an emulation of plain FP16
attention (what an FP16 FlashAttention kernel computes) to put that error in proportion."""
import math

import numpy as np

from ._host import host_array

__all__ = ["reference_attention"]

_CHUNK_ELEMENTS = 1 << 22  # score elements held at once: rows per chunk = this / Nk


def _check(q, k, v, layout):
    q, k, v = host_array(q, "q"), host_array(k, "k"), host_array(v, "v")
    for x, name in ((q, "q"), (k, "k"), (v, "v")):
        if x.ndim != 4:
            raise ValueError(f"{name} must be 4-D (got shape {list(x.shape)})")
    if layout not in ("BHND", "BNHD"):
        raise ValueError(f"layout must be 'BHND' or 'BNHD' (got {layout!r})")
    if layout == "BNHD":
        q, k, v = (np.swapaxes(x, 1, 2) for x in (q, k, v))
    if k.shape != v.shape:
        raise ValueError(f"v must have the shape of k (got {list(v.shape)}, expected {list(k.shape)})")
    if k.shape[0] != q.shape[0] or k.shape[3] != q.shape[3]:
        raise ValueError(f"k must have the batch size and head dim of q (got {list(k.shape)} for q {list(q.shape)})")
    if k.shape[1] == 0 or q.shape[1] % k.shape[1] != 0:
        raise ValueError(f"q heads must be a multiple of k heads (got {q.shape[1]} and {k.shape[1]})")
    return q, k, v


def _visible(rows, Nq, Nk, causal):
    """[len(rows), Nk] mask: key j visible to query i unless causal and j > i + (Nk - Nq)."""
    cols = np.arange(Nk)
    if not causal:
        return np.ones((len(rows), Nk), dtype=bool)
    return cols[None, :] <= rows[:, None] + (Nk - Nq)


def _head_float64(q, k, v, rows, scale, visible):
    s = (q[rows] @ k.T) * scale
    s = np.where(visible, s, -np.inf)
    m = s.max(axis=1, keepdims=True)
    live = np.isfinite(m)
    p = np.exp(s - np.where(live, m, 0.0))
    l = p.sum(axis=1, keepdims=True)
    return np.where(live, (p @ v) / np.where(live, l, 1.0), 0.0)


def _head_float16(q, k, v, rows, scale, visible):
    # float16 operands, float32 accumulation of Q K^T (float16 products are exact in float32), float32
    # softmax statistics, P rounded to float16 before the float32-accumulated P V, float32 division by the
    # row sum, output rounded to float16: the arithmetic of an FP16 FlashAttention kernel, up to the order
    # of the float32 sums.
    s = (q[rows] @ k.T) * np.float32(scale)
    s = np.where(visible, s, np.float32(-np.inf))
    m = s.max(axis=1, keepdims=True)
    live = np.isfinite(m)
    p = np.exp(s - np.where(live, m, np.float32(0.0)))
    l = p.sum(axis=1, keepdims=True, dtype=np.float32)
    pv = p.astype(np.float16).astype(np.float32) @ v
    return np.where(live, pv / np.where(live, l, np.float32(1.0)), np.float32(0.0)).astype(np.float16)


def reference_attention(q, k, v, causal=False, sm_scale=None, dtype="float64", layout="BHND"):
    """softmax(q k^T * sm_scale) v without any quantization.

    Parameters
    ----------
    q : array [B, Hq, Nq, D] (or [B, Nq, Hq, D] with layout="BNHD"), any float dtype (NumPy or CPU DLPack)
    k, v : arrays [B, Hkv, Nk, D] (or BNHD), Hq % Hkv == 0 (grouped-query attention)
    causal : bool, default False
        Key j masked for query i when j > i + (Nk - Nq) (bottom-right aligned); rows with every key
        masked return 0.
    sm_scale : float, default 1 / sqrt(D)
    dtype : "float64" (default) or "float16"
        "float64": inputs converted to float64, exact softmax in float64.
        "float16": emulates plain FP16 attention: inputs rounded to float16, Q K^T accumulated in float32,
        softmax statistics in float32, P rounded to float16, P V accumulated in float32, divided by the
        float32 row sum and rounded to float16.
    layout : "BHND" (default) or "BNHD"; the output has the same layout.

    Processed one (batch, head) and one chunk of query rows at a time, so memory stays O(chunk * Nk).

    Returns
    -------
    float64 array (dtype="float64") or float16 array (dtype="float16") shaped like q.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 1, 2, 16, 64))
    >>> reference_attention(q, k, v, causal=True).shape
    (1, 2, 16, 64)
    """
    if dtype not in ("float64", "float16"):
        raise ValueError(f"dtype must be 'float64' or 'float16' (got {dtype!r})")
    if not isinstance(causal, (bool, np.bool_)):
        raise TypeError(f"causal must be a bool (got {type(causal).__name__})")
    q, k, v = _check(q, k, v, layout)
    B, Hq, Nq, D = q.shape
    Hkv, Nk = k.shape[1], k.shape[2]
    scale = 1.0 / math.sqrt(D) if sm_scale is None else float(sm_scale)
    if dtype == "float64":
        cast, head = (lambda x: np.asarray(x, dtype=np.float64)), _head_float64
    else:
        cast, head = (lambda x: np.asarray(x).astype(np.float16).astype(np.float32)), _head_float16
    out = np.zeros((B, Hq, Nq, D), dtype=np.float64 if dtype == "float64" else np.float16)
    chunk = max(1, _CHUNK_ELEMENTS // max(Nk, 1))
    group = Hq // Hkv
    for b in range(B):
        for h in range(Hq):
            qh, kh, vh = cast(q[b, h]), cast(k[b, h // group]), cast(v[b, h // group])
            for i0 in range(0, Nq, chunk):
                rows = np.arange(i0, min(Nq, i0 + chunk))
                out[b, h, rows] = head(qh, kh, vh, rows, scale, _visible(rows, Nq, Nk, causal))
    return np.swapaxes(out, 1, 2) if layout == "BNHD" else out
