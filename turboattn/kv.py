"""FlashQ quantization on the CPU: stage-1 INT8 blocks (SPEC section 1) and the progressively compressed
KV cache (SPEC section 4: INT8 -> INT4/INT2 with integer step and zero, headwise mixed precision).

The arithmetic lives in C (``turboattn._C``); this module checks arguments, allocates the cache's arrays
in the layout of docs/DESIGN.md and decides which rows go where when tokens are appended.
"""
import itertools
import math
import types

import numpy as np

from . import _C
from ._host import host_array

__all__ = ["quantize_int8", "quantize_kv", "QuantizedKV"]

_FLOAT_DTYPES = ("float16", "bfloat16", "float32")
_BITS = (2, 4, 8)
_LAYOUTS = ("BHND", "BNHD")


# ---- argument checks ------------------------------------------------------------------------------------

def _check_tensor(x, name):
    x = host_array(x, name, sequences=False)
    if x.dtype.name not in _FLOAT_DTYPES:
        raise TypeError(f"{name} must be float16, bfloat16 or float32 (got {x.dtype})")
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (got {x.ndim} dimensions, shape {list(x.shape)})")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty (got shape {list(x.shape)})")
    return x


def _is_cuda(x):
    device = getattr(x, "__dlpack_device__", None)
    return device is not None and not isinstance(x, np.ndarray) and int(device()[0]) == 2  # kDLCUDA


def _check_layout(layout):
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be 'BHND' or 'BNHD' (got {layout!r})")
    return layout


def _to_bhnd(x, layout):
    # BNHD is served by a transposed view: C reads strides, so nothing is copied.
    return np.transpose(x, (0, 2, 1, 3)) if layout == "BNHD" else x


def _check_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int (got {type(value).__name__})")
    return int(value)


def _check_block(block):
    block = _check_int(block, "block")
    if block <= 0 or block % 8 != 0:
        raise ValueError(f"block must be a positive multiple of 8 (got {block})")
    return block


def _check_bits(bits, H):
    if isinstance(bits, (int, np.integer)) and not isinstance(bits, (bool, np.bool_)):
        if int(bits) not in _BITS:
            raise ValueError(f"bits must be 2, 4 or 8, or a list of those per head (got {bits})")
        return np.full(H, int(bits), dtype=np.uint8)
    if isinstance(bits, (str, bytes)) or not hasattr(bits, "__len__"):
        raise TypeError(f"bits must be an int or a list of ints per head (got {type(bits).__name__})")
    bits = list(bits)
    if len(bits) != H:
        raise ValueError(f"bits must have one entry per KV head (got {len(bits)}, expected H={H})")
    for h, b in enumerate(bits):
        if isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, np.integer)) or int(b) not in _BITS:
            raise ValueError(f"bits[{h}] must be 2, 4 or 8 (got {b!r})")
    return np.array(bits, dtype=np.uint8)


def _check_frac(frac_2bit):
    if frac_2bit is None:
        return None
    if isinstance(frac_2bit, (bool, np.bool_)) or not isinstance(frac_2bit, (int, float, np.integer, np.floating)):
        raise TypeError(f"frac_2bit must be a float in [0, 1] or None (got {type(frac_2bit).__name__})")
    frac = float(frac_2bit)
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"frac_2bit must be in [0, 1] (got {frac_2bit})")
    return frac


def _resolve_dtype(dtype):
    if isinstance(dtype, str) and dtype == "bfloat16":
        import ml_dtypes  # NumPy has no bfloat16 of its own
        return np.dtype(ml_dtypes.bfloat16)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in _FLOAT_DTYPES:
        raise TypeError(f"dtype must be float16, bfloat16 or float32 (got {dtype})")
    return resolved


def _check_pair(k, v, kname, vname, layout):
    k = _check_tensor(k, kname)
    v = _check_tensor(v, vname)
    if v.dtype != k.dtype:
        raise TypeError(f"{vname} must have the same dtype as {kname} (got {v.dtype}, expected {k.dtype})")
    if v.shape != k.shape:
        raise ValueError(f"{vname} must have the same shape as {kname} (got {list(v.shape)}, "
                         f"expected {list(k.shape)})")
    _C.check_finite(k, kname)  # before the transpose, so a bad index is reported in the caller's layout
    _C.check_finite(v, vname)
    return _to_bhnd(k, layout), _to_bhnd(v, layout)


# ---- layout ---------------------------------------------------------------------------------------------

def _value_row_bytes(D, bits):
    group = _C.KV_GROUP
    return sum((min(group, D - c0) * bits + 7) // 8 for c0 in range(0, D, group))


def _head_offsets(B, D, block, bits):
    """Byte offset of each head in a k_codes row and a v_codes row (one block each), and the row sizes."""
    key_bytes = [D * ((block * int(b) + 7) // 8) for b in bits]
    value_bytes = [block * _value_row_bytes(D, int(b)) for b in bits]
    # plain prefix sums: for a few heads, NumPy's per-call cost was most of a CUDA cache's constructor
    k_head_off = B * np.array([0, *itertools.accumulate(key_bytes[:-1])], dtype=np.int64)
    v_head_off = B * np.array([0, *itertools.accumulate(value_bytes[:-1])], dtype=np.int64)
    return k_head_off, v_head_off, B * sum(key_bytes), B * sum(value_bytes)


def _read_only(a):
    view = a.view()
    view.flags.writeable = False
    return view


# ---- the cache ------------------------------------------------------------------------------------------

class QuantizedKV:
    """A compressed KV cache (SPEC section 4) for one layer: [B, H, N, D] keys and values.

    Full blocks of ``block`` tokens are stored as packed INT4/INT2 (or INT8) codes with an integer step
    and zero per group (keys per channel over the block, values per token in runs of 64 channels) and
    one float32 stage-1 scale per (block, head, batch); the last ``n_tokens % block`` tokens stay in
    the input dtype (``residual_k``, ``residual_v``) until their block fills. Arrays and their layout:
    docs/DESIGN.md; the array attributes expose exactly the used rows, read-only.

    Parameters
    ----------
    B, H, D : int
        Batch size, KV heads, head dim (D a positive int; SPEC asks multiples of 16 up to 256).
    bits : int or sequence of int, default 4
        Bits per KV head, each 2, 4 or 8; an int applies to every head.
    dtype : str or numpy dtype, default "float16"
        Dtype of the tokens that will be appended ("float16", "bfloat16" or "float32").
    block : int, default 64
        Tokens per block (a positive multiple of 8; the CUDA path uses 64 only).

    Usually built by :func:`quantize_kv`; an empty cache is filled by :meth:`append`.

    Example
    -------
    >>> kv = QuantizedKV(1, 2, 64, bits=[4, 2], dtype="float32")
    >>> kv.append(np.ones((1, 2, 70, 64), np.float32), np.ones((1, 2, 70, 64), np.float32))
    >>> (kv.n_tokens, kv.n_blocks, kv.n_residual)
    (70, 1, 6)
    """

    def __init__(self, B, H, D, *, bits=4, dtype="float16", block=64):
        B, H, D = (_check_int(x, n) for x, n in ((B, "B"), (H, "H"), (D, "D")))
        for value, name in ((B, "B"), (H, "H"), (D, "D")):
            if value <= 0:
                raise ValueError(f"{name} must be positive (got {value})")
        block = _check_block(block)
        bits = _check_bits(bits, H)
        self._dtype = _resolve_dtype(dtype)
        k_head_off, v_head_off, KB, VB = _head_offsets(B, D, block, bits)
        G = -(-D // _C.KV_GROUP)
        bits.flags.writeable = False
        k_head_off.flags.writeable = False
        v_head_off.flags.writeable = False
        # The storage the C code writes: block-major arrays with spare rows, so appending a block writes
        # only past the used rows. kv_compress reads it through the same attribute names as this class.
        self._store = types.SimpleNamespace(
            B=B, H=H, D=D, block=block, n_blocks=0, n_residual=0, bits=bits,
            k_head_off=k_head_off, v_head_off=v_head_off,
            k_codes=np.zeros((0, KB), np.uint8),
            k_group_step=np.zeros((0, H, B, D), np.uint8),
            k_group_zero=np.zeros((0, H, B, D), np.int8),
            k_block_scale=np.zeros((0, H, B), np.float32),
            v_codes=np.zeros((0, VB), np.uint8),
            v_group_step=np.zeros((0, H, B, block, G), np.uint8),
            v_group_zero=np.zeros((0, H, B, block, G), np.int8),
            v_block_scale=np.zeros((0, H, B), np.float32),
            residual_k=np.zeros((B, H, block, D), self._dtype),
            residual_v=np.zeros((B, H, block, D), self._dtype),
        )

    # -- sizes and metadata --

    B = property(lambda self: self._store.B, doc="Batch size.")
    H = property(lambda self: self._store.H, doc="Number of KV heads.")
    D = property(lambda self: self._store.D, doc="Head dim.")
    G = property(lambda self: -(-self._store.D // _C.KV_GROUP), doc="Value groups per token, ceil(D / 64).")
    block = property(lambda self: self._store.block, doc="Tokens per compressed block.")
    n_blocks = property(lambda self: self._store.n_blocks, doc="Compressed blocks.")
    n_residual = property(lambda self: self._store.n_residual, doc="Tokens in the uncompressed residual window.")
    dtype = property(lambda self: self._dtype, doc="Dtype of the appended tokens and of the residual rows.")

    @property
    def n_tokens(self):
        """Tokens held: n_blocks * block + n_residual."""
        return self._store.n_blocks * self._store.block + self._store.n_residual

    @property
    def shape(self):
        """(B, H, n_tokens, D): the shape of the tensors that :meth:`dequantize` returns."""
        s = self._store
        return (s.B, s.H, self.n_tokens, s.D)

    # -- arrays (used rows only, read-only) --

    def _used(name, rows="block"):
        """A read-only view of the used rows: one per block, or the whole array."""
        def get(self):
            s = self._store
            a = getattr(s, name)
            used = {"block": s.n_blocks, "all": len(a)}[rows]
            return _read_only(a[:used])
        used_doc = "" if rows == "all" else f", used rows only (one per {rows})"
        return property(get, doc=f"{name}{used_doc}, read-only; layout in docs/DESIGN.md.")

    bits = _used("bits", "all")
    k_head_off = _used("k_head_off", "all")
    v_head_off = _used("v_head_off", "all")
    residual_k = _used("residual_k", "all")
    residual_v = _used("residual_v", "all")
    k_codes = _used("k_codes")
    k_group_step = _used("k_group_step")
    k_group_zero = _used("k_group_zero")
    k_block_scale = _used("k_block_scale")
    v_block_scale = _used("v_block_scale")
    v_codes = _used("v_codes")
    v_group_step = _used("v_group_step")
    v_group_zero = _used("v_group_zero")
    del _used

    @property
    def nbytes(self):
        """Bytes the cache holds for its tokens: the used rows of every array (packed codes, group steps and
        zeros, block scales), the used residual rows of K and V, the head bit map and the head offsets."""
        s = self._store
        arrays = (self.k_codes, self.k_group_step, self.k_group_zero, self.k_block_scale, self.v_codes,
                  self.v_group_step, self.v_group_zero, self.v_block_scale, s.bits, s.k_head_off, s.v_head_off)
        residual = 2 * s.B * s.H * s.n_residual * s.D * self._dtype.itemsize
        return int(sum(a.nbytes for a in arrays) + residual)

    @property
    def compression_ratio(self):
        """FP16 bytes of K and V (2 · B · H · n_tokens · D · 2) over :attr:`nbytes`."""
        s = self._store
        return 2 * s.B * s.H * self.n_tokens * s.D * 2 / self.nbytes

    # -- operations --

    def dequantize(self):
        """Float32 K and V as the cache represents them.

        Compressed rows are the stage-2 integer reconstruction times their block's stage-1 scale; residual
        rows are returned as stored.

        Returns
        -------
        (k, v) : two float32 arrays [B, H, n_tokens, D]

        Example
        -------
        >>> k = np.random.default_rng(0).standard_normal((1, 2, 100, 64)).astype(np.float16)
        >>> kh, vh = quantize_kv(k, k, bits=4).dequantize()
        >>> kh.shape, kh.dtype
        ((1, 2, 100, 64), dtype('float32'))
        """
        s = self._store
        B, H, D, blk, nb = s.B, s.H, s.D, s.block, s.n_blocks
        out = []
        k8v8 = _C.kv_reconstruct_int8(self) if nb else (None, None)
        for codes, scale, residual in ((k8v8[0], s.k_block_scale, s.residual_k),
                                       (k8v8[1], s.v_block_scale, s.residual_v)):
            x = np.empty((B, H, self.n_tokens, D), np.float32)
            if nb:
                per_block = scale[:nb].transpose(2, 1, 0)[:, :, :, None, None]  # [B, H, nb, 1, 1]
                x[:, :, : nb * blk] = (codes.reshape(B, H, nb, blk, D).astype(np.float32) * per_block).reshape(
                    B, H, nb * blk, D)
            x[:, :, nb * blk:] = residual[:, :, : s.n_residual].astype(np.float32)
            out.append(x)
        return tuple(out)

    def append(self, k_new, v_new, layout="BHND"):
        """Appends tokens: fills the residual window, compresses each block as it fills, never touches
        compressed blocks. The result is bit-identical to quantizing all tokens at once.

        Parameters
        ----------
        k_new, v_new : arrays [B, H, n, D] (or [B, n, H, D] with layout="BNHD"), any n >= 1
            Same B, H, D and dtype as the cache; finite and at most 2^48 in magnitude.
        layout : "BHND" (default) or "BNHD"

        Example
        -------
        >>> rng = np.random.default_rng(0)
        >>> kv = quantize_kv(*rng.standard_normal((2, 1, 4, 64, 128)).astype(np.float16), bits=4)
        >>> kv.append(*rng.standard_normal((2, 1, 4, 1, 128)).astype(np.float16))
        >>> kv.n_tokens, kv.n_residual
        (65, 1)
        """
        k_new, v_new = _check_pair(k_new, v_new, "k_new", "v_new", _check_layout(layout))
        s = self._store
        if k_new.dtype != self._dtype:
            raise TypeError(f"k_new must have the cache's dtype (got {k_new.dtype}, expected {self._dtype})")
        B, H, _, D = k_new.shape
        if (B, H, D) != (s.B, s.H, s.D):
            raise ValueError(f"k_new must have the cache's B, H, D (got B={B}, H={H}, D={D}, "
                             f"expected B={s.B}, H={s.H}, D={s.D})")
        self._append_checked(k_new, v_new)

    def _reserve(self, n_blocks):
        """Grows the block-major arrays to hold n_blocks, doubling so that appends stay amortised O(1)."""
        s = self._store
        cap = s.k_codes.shape[0]
        if n_blocks <= cap:
            return
        new_cap = max(n_blocks, 2 * cap)
        for name in ("k_codes", "k_group_step", "k_group_zero", "k_block_scale", "v_codes", "v_group_step",
                     "v_group_zero", "v_block_scale"):
            old = getattr(s, name)
            new = np.zeros((new_cap,) + old.shape[1:], old.dtype)
            new[:s.n_blocks] = old[:s.n_blocks]
            setattr(s, name, new)

    def _window_state(self, n_new=None):
        """What an append of n_new tokens (None: unknown) can change in the tokens held: the counts, and the
        residual rows a wrapped tail overwrites, copied only when the tail can wrap (flashq_attention with k_new
        puts them back when its attention raises after the append). Blocks past n_blocks and rows past n_residual
        are not held tokens; a grown array keeps its prefix."""
        s = self._store
        r = s.n_residual
        if n_new is not None and r + n_new <= s.block:
            return s.n_blocks, r, None, None
        return s.n_blocks, r, s.residual_k[:, :, :r].copy(), s.residual_v[:, :, :r].copy()

    def _restore_window_state(self, state):
        s = self._store
        s.n_blocks, r, k_rows, v_rows = state
        if k_rows is not None:
            s.residual_k[:, :, :r] = k_rows
            s.residual_v[:, :, :r] = v_rows
        s.n_residual = r

    def _append_checked(self, k, v):
        s = self._store
        blk, r, n = s.block, s.n_residual, k.shape[2]
        fill = min(n, blk - r)
        s.residual_k[:, :, r: r + fill] = k[:, :, :fill]
        s.residual_v[:, :, r: r + fill] = v[:, :, :fill]
        if r + fill < blk:
            s.n_residual = r + fill
            return
        # The residual window is full: it becomes a block, then whole blocks come straight from the input.
        whole = (n - fill) // blk
        self._reserve(s.n_blocks + 1 + whole)
        _C.kv_compress(s, s.residual_k, s.residual_v, s.n_blocks, 1, 0)
        s.n_blocks += 1
        s.n_residual = 0
        if whole:
            _C.kv_compress(s, k, v, s.n_blocks, whole, fill)
            s.n_blocks += whole
        tail = n - fill - whole * blk
        s.residual_k[:, :, :tail] = k[:, :, n - tail:]
        s.residual_v[:, :, :tail] = v[:, :, n - tail:]
        s.n_residual = tail

    def __repr__(self):
        s = self._store
        bits = s.bits.tolist()
        bits_text = str(bits[0]) if len(set(bits)) == 1 else str(bits)
        return (f"QuantizedKV(B={s.B}, H={s.H}, D={s.D}, n_tokens={self.n_tokens} ({s.n_blocks} blocks of "
                f"{s.block} + {s.n_residual} residual), bits={bits_text}, dtype={self._dtype.name}, "
                f"nbytes={self.nbytes}, compression_ratio={self.compression_ratio:.2f})")


# ---- public functions -----------------------------------------------------------------------------------

def quantize_int8(x, block=64):
    """SPEC section 1: symmetric INT8 quantization in blocks of ``block`` rows per (batch, head).

    ``scale = amax / 127`` (float32) and ``code = clamp(rint(x * (127 / amax)), -127, 127)`` over each
    block of rows; a block whose amax is below FLT_MIN gets scale 0 and codes 0.

    Parameters
    ----------
    x : float16, bfloat16 or float32 array [B, H, N, D] (any strides), finite and at most 2^48 in magnitude
    block : int, default 64
        Rows per block, a positive multiple of 8. The last block of a head may be shorter.

    Returns
    -------
    (codes, scales) : int8 [B, H, N, D] (C-contiguous), float32 [B, H, ceil(N / block)]; NumPy arrays, or
        DeviceArrays (``__dlpack__``) when x is a CUDA tensor (then ``block`` must be 64)

    Example
    -------
    >>> codes, scales = quantize_int8(np.linspace(-1, 1, 128, dtype=np.float32).reshape(1, 1, 2, 64))
    >>> int(codes.min()), int(codes.max()), scales.shape
    (-127, 127, (1, 1, 1))
    """
    block = _check_block(block)
    if _is_cuda(x):
        return _C.cuda_quantize_int8(x, block=block)
    return _C.quantize_int8(_check_tensor(x, "x"), block)


def _select_2bit_heads(k, v, frac, block, dtype):
    """The default mixed rule (SPEC section 4): quantize every head at 2 bits, and give 2 bits to the
    round(frac * H) heads whose relative error ||x̂·scale − x|| / ||x|| over K and V together (over the
    compressed blocks) is smallest; ties go to the lower head index; the other heads get 4 bits."""
    B, H, N, D = k.shape
    n_2bit = int(math.floor(frac * H + 0.5))
    bits = np.full(H, 4, np.uint8)
    if n_2bit == 0 or n_2bit == H:
        bits[:] = 2 if n_2bit == H else 4
        return bits
    rows = (N // block) * block
    errors = np.zeros(H)
    if rows:
        trial = QuantizedKV(B, H, D, bits=2, dtype=dtype, block=block)
        trial._append_checked(k[:, :, :rows], v[:, :, :rows])
        err2 = np.zeros(H)
        ref2 = np.zeros(H)
        for approx, exact in zip(trial.dequantize(), (k[:, :, :rows], v[:, :, :rows])):
            exact = exact.astype(np.float64)
            err2 += ((approx.astype(np.float64) - exact) ** 2).sum(axis=(0, 2, 3))
            ref2 += (exact ** 2).sum(axis=(0, 2, 3))
        errors = np.sqrt(np.divide(err2, ref2, out=np.zeros(H), where=ref2 > 0))
    bits[np.argsort(errors, kind="stable")[:n_2bit]] = 2
    return bits


def quantize_kv(k, v, bits=4, frac_2bit=None, block=64, layout="BHND"):
    """SPEC section 4: compress K and V into a :class:`QuantizedKV`.

    Each full block of ``block`` tokens is quantized to INT8 (SPEC section 1, its own float32 scale for K
    and for V), then to ``bits`` per head with an integer step and zero per group (keys per channel over
    the block, values per token in runs of 64 channels). The last ``N % block`` tokens stay uncompressed.

    Parameters
    ----------
    k, v : arrays [B, H, N, D] (or [B, N, H, D] with layout="BNHD"), float16, bfloat16 or float32
        Same shape and dtype, finite and at most 2^48 in magnitude, N >= 1.
    bits : int or sequence of H ints, default 4
        2, 4 or 8 bits per KV head (8 keeps the stage-1 codes exactly).
    frac_2bit : float in [0, 1] or None, default None
        Headwise mixed precision: heads are ranked by their relative 2-bit reconstruction error over K and V
        together, and the round(frac_2bit · H) heads with the smallest error get 2 bits, the rest 4 (ties
        by head index). Use with the default ``bits``.
    block : int, default 64
        Tokens per block, a positive multiple of 8 (the CUDA path uses 64).
    layout : "BHND" (default) or "BNHD"

    Returns
    -------
    QuantizedKV, or a ``turboattn.cuda_kv.CudaQuantizedKV`` in device memory when k and v are CUDA
    tensors (DLPack device type 2; ``block`` must then be 64).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> k, v = rng.standard_normal((2, 1, 8, 1024, 128)).astype(np.float16)
    >>> kv = quantize_kv(k, v, frac_2bit=0.5)
    >>> sorted(kv.bits.tolist()), round(kv.compression_ratio, 2)
    ([2, 2, 2, 2, 4, 4, 4, 4], 4.92)
    """
    block = _check_block(block)
    if _is_cuda(k) or _is_cuda(v):
        if block != 64:
            raise ValueError(f"block must be 64 for CUDA tensors (got {block})")
        from .cuda_kv import quantize_kv_cuda  # the CUDA stage, imported when a CUDA tensor arrives
        return quantize_kv_cuda(k, v, bits=bits, frac_2bit=frac_2bit, layout=layout)
    k, v = _check_pair(k, v, "k", "v", _check_layout(layout))
    H = k.shape[1]
    head_bits = _check_bits(bits, H)
    frac = _check_frac(frac_2bit)
    if frac is not None:
        if not (isinstance(bits, (int, np.integer)) and int(bits) == 4):
            raise ValueError(f"pass either bits or frac_2bit, not both (got bits={bits!r}, frac_2bit={frac_2bit})")
        head_bits = _select_2bit_heads(k, v, frac, block, k.dtype)
    B, _, _, D = k.shape
    kv = QuantizedKV(B, H, D, bits=head_bits, dtype=k.dtype, block=block)
    kv._append_checked(k, v)
    return kv
