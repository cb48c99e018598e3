"""SAS softmax on its own (SPEC section 3): the EXP2 that attention uses, applied to a whole array, so the
approximation can be measured apart from quantization."""
import numbers

import numpy as np

from . import _C
from ._host import host_array

__all__ = ["sas_softmax"]

_LOG2E = np.float32(1.4426950408889634)


def sas_softmax(x, axis=-1, threshold=8):
    """Softmax along ``axis`` with SAS EXP2: 2^t for t <= 0 as 2^-n (exact) x a float16 cubic in the
    fraction, and 0 below 2^-threshold (SPEC section 3).

    Computed in float32: ``t = x * log2(e) - max(x * log2(e))`` along the axis, ``p = SAS(t)``,
    ``p / sum(p)``. A slice whose entries are all -inf returns zeros.

    Parameters
    ----------
    x : array-like of float (NumPy or a CPU DLPack tensor), any shape; NaN and +inf are errors, -inf
        entries (masks) give 0.
    axis : int, default -1
    threshold : int in [0, 24], default 8
        Sparsity threshold: t < -threshold gives exactly 0.

    Returns
    -------
    float32 array of x's shape.

    Example
    -------
    >>> p = sas_softmax(np.array([[0.0, 1.0, 2.0]], np.float32))
    >>> np.round(p, 3)
    array([[0.09 , 0.245, 0.665]], dtype=float32)
    """
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Integral):
        raise TypeError(f"threshold must be an int (got {type(threshold).__name__})")
    if not 0 <= int(threshold) <= _C.SAS_T_MAX:
        raise ValueError(f"threshold must be in [0, {_C.SAS_T_MAX}] (got {threshold})")
    x = host_array(x, "x")
    if x.dtype.kind not in "fiu" and x.dtype.name != "bfloat16":
        raise TypeError(f"x must hold real numbers (got {x.dtype})")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int (got {type(axis).__name__})")
    if x.ndim == 0 or not -x.ndim <= int(axis) < x.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {x.ndim} dimensions")
    t = x.astype(np.float32) * _LOG2E
    if np.isnan(t).any() or np.isposinf(t).any():
        raise ValueError("x must not contain NaN or +inf")
    row_max = t.max(axis=axis, keepdims=True)
    row_max[np.isneginf(row_max)] = 0.0  # an all -inf slice: every t stays -inf and gives 0
    t -= row_max
    p = _C.sas_exp2(np.ascontiguousarray(t, dtype=np.float32), int(threshold))
    total = p.sum(axis=axis, keepdims=True, dtype=np.float32)
    return np.divide(p, total, out=np.zeros_like(p), where=total > 0)
