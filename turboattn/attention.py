"""FlashQ attention (SPEC sections 2, 3 and 5): INT8 Q/K/V blocks, INT32 products, online softmax with SAS
EXP2 and uint8 P. The arithmetic lives in C (``turboattn._C``); this module checks the keywords, allocates
the outputs and dispatches on the inputs' device (CPU NumPy arrays, or CUDA tensors through DLPack).
"""
import math
import numbers

import numpy as np

from . import _C
from .cuda_kv import CudaQuantizedKV
from .kv import QuantizedKV

__all__ = ["flashq_attention"]

_SOFTMAX = ("sas", "exact")
_P_SCALE = ("row", "fixed")
_QK_SCALE = ("block", "token")
_LAYOUTS = ("BHND", "BNHD")
_DLPACK_CUDA = 2  # kDLCUDA in DLPack's device enumeration


def _choice(value, name, allowed):
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options} (got {value!r})")
    return value


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (got {type(value).__name__})")
    return bool(value)


def _int(value, name, lo, hi):
    # type(value) is int first: the Integral check is an ABC lookup, a microsecond per call of a decode step
    if type(value) is not int and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)):
        raise TypeError(f"{name} must be an int (got {type(value).__name__})")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}] (got {value})")
    return int(value)


def _sm_scale(value, D):
    if value is None:
        # D == 0 is an empty q: the C layer names it; any positive placeholder lets it get there.
        return 1.0 / math.sqrt(D) if D > 0 else 1.0
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"sm_scale must be a float or None (got {type(value).__name__})")
    value = float(value)
    if not 0.0 < value <= _C.SM_SCALE_MAX:  # scores are float32 (csrc/ta_consts.h, the input range)
        raise ValueError(f"sm_scale must be positive and at most 2^16 = {_C.SM_SCALE_MAX:g} (got {value})")
    return value


def _device(x):
    """('cpu', 0) or ('cuda', id) of a NumPy array or a DLPack producer."""
    if isinstance(x, np.ndarray):
        return ("cpu", 0)
    if hasattr(x, "__dlpack_device__"):
        dev_type, dev_id = x.__dlpack_device__()
        return ("cuda", int(dev_id)) if int(dev_type) == _DLPACK_CUDA else ("cpu", 0)
    return ("cpu", 0)


def _dtype_name(x):
    name = str(getattr(x, "dtype", "")).replace("torch.", "")
    return {"half": "float16", "float": "float32"}.get(name, name)


_FLOAT_DTYPES = ("float16", "bfloat16", "float32")


def _shape_and_dtype(x, name):
    """Shape and dtype name of a NumPy array, or of any DLPack tensor as our C import sees it.

    A 4-D PyTorch or CuPy tensor of a float dtype says both itself; the C import that follows checks them
    again. Importing it here too would cost a second DLPack export with its stream synchronisation (about
    15 microseconds for PyTorch, a large share of a decode step)."""
    if isinstance(x, np.ndarray) or not hasattr(x, "__dlpack__"):
        return _shape4(x, name), _dtype_name(x)
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) == 4 and _dtype_name(x) in _FLOAT_DTYPES:
        return tuple(int(s) for s in shape), _dtype_name(x)
    dtype, _device_pair, shape, _strides, _ptr = _C.view_info(x, name)
    return tuple(shape), dtype


def _shape4(x, name):
    shape = tuple(int(s) for s in getattr(x, "shape", ()))
    if len(shape) != 4:
        raise ValueError(f"{name} must be 4-D (got shape {list(shape)})")
    return shape


def _empty_like_input(x, shape, dtype_name, device):
    """Output memory on the input's device: NumPy for the CPU, a DeviceArray for CUDA."""
    if device[0] == "cuda":
        from . import _buffers  # the DLPack stage; imported only when a CUDA tensor arrives
        return _buffers.device_empty(shape, dtype_name, device[1])
    if dtype_name == "bfloat16":
        import ml_dtypes  # NumPy's bfloat16; a dependency, imported where it is needed
        return np.empty(shape, dtype=ml_dtypes.bfloat16)
    return np.empty(shape, dtype=np.dtype(dtype_name))


def _check_out_type(out):
    """out goes to C as it is, which imports NumPy arrays and DLPack tensors (writable, like q, on q's device)."""
    if not isinstance(out, np.ndarray) and not hasattr(out, "__dlpack__"):
        raise TypeError(f"out must be a NumPy array or a DLPack tensor (got {type(out).__name__})")


def _is_cache(kv):
    """Whether kv is, or looks like, a QuantizedKV or CudaQuantizedKV. The two classes are known at once (the
    attribute checks were half of this wrapper's time in a decode step); for other objects the class is asked
    before the instance, since QuantizedKV-like arrays may be properties that build views."""
    if isinstance(kv, (QuantizedKV, CudaQuantizedKV)):
        return True
    cls = type(kv)
    return all(hasattr(cls, name) or hasattr(kv, name) for name in ("bits", "k_codes", "v_codes", "n_blocks"))


def flashq_attention(q, k=None, v=None, *, kv=None, k_new=None, v_new=None, causal=False, sm_scale=None, softmax="sas", sas_threshold=8,
                     p_scale="row", return_lse=False, layout="BHND", out=None, block=64, qk_scale="block",
                     k_smooth=False, qk_equalize=False):
    """TurboAttention's FlashQ attention with SAS softmax (SPEC sections 2, 3; section 5 with ``kv=``).

    Q, K and V are quantized to INT8 in blocks of ``block`` rows (one float32 scale each), scores are
    INT8 x INT8 -> INT32 products kept in the base-2 domain, the softmax runs online over key blocks with
    EXP2 = SAS (2^-n LUT x float16 cubic, zero below 2^-sas_threshold) and P is quantized to uint8 for an
    INT32 P x V product. Memory is O(N * D): no N x N matrix is formed.

    Parameters
    ----------
    q : array [B, Hq, Nq, D] (or [B, Nq, Hq, D] with layout="BNHD")
        float16, bfloat16 or float32; a NumPy array, or any DLPack tensor (CPU or CUDA). D a multiple of
        16 up to 256 (the GPU kernels are tuned for 64 and 128; decode on a CUDA cache also for 80, 96 and 256).
        Finite and at most 2^48 in magnitude (scores are float32).
    k, v : arrays [B, Hkv, Nk, D] (or BNHD), same dtype and device as q; Hq % Hkv == 0 (grouped-query
        attention); Nk may differ from Nq. Omit both when passing ``kv``.
    kv : QuantizedKV, optional
        A compressed KV cache (turboattn.kv.quantize_kv): attention runs on its integer-reconstructed INT8
        codes with q quantized one row per block (SPEC section 5); its residual rows form a block of
        their own. Keys are the cache's n_tokens tokens.
    k_new, v_new : arrays [B, Hkv, n, D] (or BNHD, like q), optional, only with ``kv``
        A decode step: appends them to ``kv`` first (as ``kv.append(k_new, v_new)`` does), so that q
        attends to them too. A call that raises leaves ``kv`` as it was. With a CUDA cache, tokens that fit
        its residual window without filling it (63 steps of 64 when n = 1) are appended in the same
        launches as the attention, with one wait for the checks of q, k_new and v_new instead of one per
        call: in a generation loop the host then queues the next layer while this one runs.
    causal : bool, default False
        Key j is masked for query i when j > i + (Nk - Nq) (bottom-right aligned). A query row with every
        key masked returns 0 (and lse = -inf).
    sm_scale : float in (0, 2^16], default 1 / sqrt(D)
    softmax : "sas" (default) or "exact"
        EXP2 by SAS (SPEC section 3) or by float32 exp2f; quantization is the same in both.
    sas_threshold : int in [0, 24], default 8
        SAS sparsity: values below 2^-sas_threshold are 0. Over long, flat contexts those values can carry much
        of the mass; 12 recovers most of it (docs/DESIGN.md, "SAS over long flat contexts").
    p_scale : "row" (default) or "fixed"
        uint8 P against each row's block maximum, or against 1 (ps = 1/255).
    return_lse : bool, default False
        Also return the natural-log log-sum-exp per row, float32 [B, Hq, Nq].
    layout : "BHND" (default) or "BNHD"
        BNHD tensors are read through permuted strides (no copy); out has the layout of q.
    out : array, optional
        Preallocated output with the shape, dtype and device of q (writeable).
    block : int, default 64
        Rows per INT8 block of Q and of K/V: a multiple of 8 in [8, 256] on the CPU; the CUDA path takes
        64 only. Part of the numerics (SPEC "Block sizes"); ignored with ``kv`` (the cache has its own).
    qk_scale : "block" (default) or "token"
        Accuracy option (beyond SPEC v1; dense k, v on the CPU): one INT8 scale per row of Q and per key of
        K instead of per block. The integer product is unchanged; the scales multiply rows and columns of S.
    k_smooth : bool, default False
        Accuracy option: subtract each channel's mean over all keys of a (batch, KV head) from K before
        quantizing. The softmax is invariant to it; lse is corrected by sm_scale * (q . mean).
    qk_equalize : bool, default False
        Accuracy option: per channel c, s_c = sqrt(max|K_c| / max|Q_c|) (over all keys, and all rows of the
        query heads sharing the KV head; 1 where either is 0); Q_c * s_c and K_c / s_c are quantized,
        which moves outlier-channel magnitude from K to Q. The product q . k is unchanged.

    Returns
    -------
    out : array like q (NumPy for CPU inputs, a DLPack DeviceArray for CUDA inputs), or (out, lse).

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 1, 8, 256, 128)).astype(np.float16)
    >>> out = flashq_attention(q, k, v, causal=True)
    >>> out.shape, out.dtype
    ((1, 8, 256, 128), dtype('float16'))
    """
    causal = _flag(causal, "causal")
    return_lse = _flag(return_lse, "return_lse")
    exact = _choice(softmax, "softmax", _SOFTMAX) == "exact"
    fixed = _choice(p_scale, "p_scale", _P_SCALE) == "fixed"
    layout = _choice(layout, "layout", _LAYOUTS)
    threshold = _int(sas_threshold, "sas_threshold", 0, _C.SAS_T_MAX)
    block = _int(block, "block", 8, 256)
    token_scales = _choice(qk_scale, "qk_scale", _QK_SCALE) == "token"
    k_smooth = _flag(k_smooth, "k_smooth")
    qk_equalize = _flag(qk_equalize, "qk_equalize")
    if block % 8 != 0:
        raise ValueError(f"block must be a multiple of 8 (got {block})")
    if kv is not None and (k is not None or v is not None):
        raise TypeError("pass either k and v or kv=, not both")
    if kv is None and (k is None or v is None):
        raise TypeError("k and v are required unless kv= is given")
    if kv is not None and (token_scales or k_smooth or qk_equalize):
        raise ValueError("qk_scale='token', k_smooth and qk_equalize apply to dense k and v only (a compressed "
                         "cache fixes its key scales)")
    if kv is not None and not _is_cache(kv):
        raise TypeError(f"kv must be a QuantizedKV (got {type(kv).__name__})")
    if (k_new is None) != (v_new is None):
        raise TypeError("pass k_new and v_new together")
    if k_new is not None and kv is None:
        raise TypeError("k_new and v_new are appended to a cache: pass kv= with them")

    if kv is not None:
        if k_new is not None:
            return _step_kv(q, kv, k_new, v_new, out, return_lse, sm_scale, causal, exact, threshold, fixed, layout)
        return _attention_kv(q, kv, out, return_lse, sm_scale, causal, exact, threshold, fixed, layout == "BNHD")
    device = _device(q)
    if device[0] == "cpu" and not isinstance(q, np.ndarray):
        if not hasattr(q, "__dlpack__"):
            raise TypeError(f"q must be a NumPy array or a DLPack tensor (got {type(q).__name__})")
        # CPU DLPack producers go to C as they are (csrc/dlpack.c consumes them); only their shape and
        # dtype are read here, through the same import, to size the NumPy output.
    shape, dtype_name = _shape_and_dtype(q, "q")
    B, Nq, H, D = shape if layout == "BNHD" else (shape[0], shape[2], shape[1], shape[3])
    scale = _sm_scale(sm_scale, D)
    bnhd = layout == "BNHD"
    if device[0] == "cuda" and (out is None or return_lse):
        _C.refuse_capture(q, "q", device[1])  # before an allocation that a CUDA graph capture would not survive
    if out is None:
        out = _empty_like_input(q, shape, dtype_name, device)
    else:  # to C as it is: a bfloat16 DLPack out made into NumPy here was a copy, and the caller's out stayed unwritten
        _check_out_type(out)
    lse = None
    if return_lse:
        lse = _empty_like_input(q, (B, H, Nq), "float32", device)
    _C.attention(q, k, v, out, lse, scale, causal, exact, threshold, fixed, block, block, 0, bnhd,
                 qk_scale_token=token_scales, k_smooth=k_smooth, qk_equalize=qk_equalize)
    return (out, lse) if return_lse else out


def _attention_kv(q, kv, out, return_lse, sm_scale, causal, exact, threshold, fixed, bnhd):
    """flashq_attention with kv=: the C binding makes out (like q), lse and the default sm_scale itself, so a
    decode step spends no Python time on q (its device, shape and dtype cost PyTorch several microseconds)."""
    if not isinstance(q, np.ndarray) and not hasattr(q, "__dlpack__"):
        raise TypeError(f"q must be a NumPy array or a DLPack tensor (got {type(q).__name__})")
    # out goes to C as it is (checked writable there): asking a PyTorch q for its device here cost several
    # microseconds of a decode step.
    if out is not None:
        _check_out_type(out)
    scale = None if sm_scale is None else _sm_scale(sm_scale, 1)
    out, lse = _C.attention_kv(q, kv, out, True if return_lse else None, scale, causal, exact, threshold, fixed, 0,
                               bnhd)
    return (out, lse) if return_lse else out


def _step_kv(q, kv, k_new, v_new, out, return_lse, sm_scale, causal, exact, threshold, fixed, layout):
    """flashq_attention(q, kv=..., k_new=..., v_new=...): append, then attend; kv as it was if either raises."""
    bnhd = layout == "BNHD"
    shape = getattr(k_new, "shape", ())
    n = int(shape[1 if bnhd else 2]) if len(shape) == 4 else None  # None: append will name what is wrong
    if type(kv) is CudaQuantizedKV:
        if n and n < CudaQuantizedKV.block - kv.n_residual:
            # One binding: the tokens land in rows the cache does not count yet, so a refused call changes nothing.
            if out is not None:
                _check_out_type(out)
            scale = None if sm_scale is None else _sm_scale(sm_scale, 1)
            out, lse = _C.attention_kv(q, kv, out, True if return_lse else None, scale, causal, exact, threshold,
                                       fixed, 0, bnhd, k_new, v_new)
            kv.n_residual += n
            return (out, lse) if return_lse else out
    window = getattr(kv, "_window_state", None)
    if window is None:
        raise TypeError(f"k_new and v_new need kv to be a QuantizedKV or CudaQuantizedKV (got {type(kv).__name__})")
    saved = window(n)
    kv.append(k_new, v_new, layout=layout)
    try:
        return _attention_kv(q, kv, out, return_lse, sm_scale, causal, exact, threshold, fixed, bnhd)
    except BaseException:
        kv._restore_window_state(saved)
        raise
