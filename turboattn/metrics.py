"""Error measures between an approximation ``a`` and a reference ``b``, in float64."""
import numpy as np

from ._host import host_array

__all__ = ["cosine", "rel_l2", "max_abs"]


def _pair(a, b):
    a = host_array(a, "a").astype(np.float64)
    b = host_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape (got {list(a.shape)} and {list(b.shape)})")
    return a, b


def cosine(a, b, axis=None):
    """Cosine similarity <a, b> / (|a| |b|), reduced over ``axis`` (all axes by default).

    Parameters
    ----------
    a, b : arrays of the same shape (any float dtype, NumPy or CPU DLPack)
    axis : None, int or tuple of ints
        Axes reduced over, as in NumPy; e.g. ``axis=(2, 3)`` on [B, H, N, D] gives one value per head.
        Two zero slices have cosine 1; one zero slice against a nonzero one has cosine 0.

    Returns
    -------
    float (axis=None) or float64 array of the remaining axes.

    Example
    -------
    >>> cosine(np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    0.7071067811865475
    """
    a, b = _pair(a, b)
    dot = (a * b).sum(axis=axis)
    norms = np.sqrt((a * a).sum(axis=axis) * (b * b).sum(axis=axis))
    both_zero = ((a * a).sum(axis=axis) == 0) & ((b * b).sum(axis=axis) == 0)
    value = np.where(norms > 0, dot / np.where(norms > 0, norms, 1.0), np.where(both_zero, 1.0, 0.0))
    return float(value) if np.ndim(value) == 0 else value


def rel_l2(a, b, axis=None):
    """Relative L2 error |a - b| / |b| (b is the reference), reduced over ``axis`` (all by default).

    A zero reference gives 0 where a is zero too and inf elsewhere.

    Example
    -------
    >>> rel_l2(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    0.18569533817705186
    """
    a, b = _pair(a, b)
    err = np.sqrt(((a - b) ** 2).sum(axis=axis))
    ref = np.sqrt((b * b).sum(axis=axis))
    value = np.where(ref > 0, err / np.where(ref > 0, ref, 1.0), np.where(err > 0, np.inf, 0.0))
    return float(value) if np.ndim(value) == 0 else value


def max_abs(a, b, axis=None):
    """Largest absolute difference max |a - b|, reduced over ``axis`` (all by default).

    Example
    -------
    >>> max_abs(np.array([1.0, 2.0]), np.array([1.5, 2.0]))
    0.5
    """
    a, b = _pair(a, b)
    value = np.abs(a - b).max(axis=axis)
    return float(value) if np.ndim(value) == 0 else value
