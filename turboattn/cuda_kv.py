"""The compressed KV cache (SPEC section 4) in GPU memory, for decode attention (SPEC section 5).

:class:`CudaQuantizedKV` holds exactly the arrays of :class:`turboattn.kv.QuantizedKV` (layout in
docs/DESIGN.md) as ``DeviceArray`` objects, byte-identical to the CPU cache for identical input, and grows
by :meth:`CudaQuantizedKV.append` without touching compressed blocks. ``flashq_attention(q, kv=cache)``
with CUDA ``q`` runs the decode kernels on it. Compression and attention are CUDA C (csrc/kv_compress.cu,
csrc/attn_decode.cu); this module checks arguments, allocates and decides which rows go where.
"""
import numpy as np

from . import _C
from . import kv as _kv

__all__ = ["CudaQuantizedKV", "quantize_kv_cuda"]

_BLOCK = 64
# (array name, dtype, shape of one block's row as a function of the cache); every array is block-major
_ARRAYS = (
    ("k_codes", "uint8", lambda s: (s._KB,)),
    ("k_group_step", "uint8", lambda s: (s.H, s.B, s.D)),
    ("k_group_zero", "int8", lambda s: (s.H, s.B, s.D)),
    ("k_block_scale", "float32", lambda s: (s.H, s.B)),
    ("v_block_scale", "float32", lambda s: (s.H, s.B)),
    ("v_codes", "uint8", lambda s: (s._VB,)),
    ("v_group_step", "uint8", lambda s: (s.H, s.B, _BLOCK, s.G)),
    ("v_group_zero", "int8", lambda s: (s.H, s.B, _BLOCK, s.G)),
)
_ITEMSIZE = {"uint8": 1, "int8": 1, "float32": 4}


def _info(x, name):
    """(dtype name, (device kind, id), shape) of a 4-D float tensor as the C core sees it."""
    dtype, device, shape, _strides, _ptr = _C.view_info(x, name)
    return dtype, device, shape


def _bnhd_view(x, name):
    for method in ("swapaxes", "transpose"):
        f = getattr(x, method, None)
        if f is not None:
            try:
                return f(1, 2)
            except TypeError:
                continue
    raise TypeError(f"{name} with layout='BNHD' must offer swapaxes(1, 2) (torch or cupy tensors do), "
                    f"got {type(x).__name__}")


class CudaQuantizedKV:
    """A compressed KV cache for one layer in CUDA memory: [B, H, N, D] keys and values.

    Same content as :class:`turboattn.kv.QuantizedKV`: full blocks of 64 tokens as packed INT4/INT2
    (or INT8) codes with an integer step and zero per group and a float32 stage-1 scale per
    (block, head, batch); the last ``n_tokens % 64`` tokens stay in the input dtype. The array attributes
    (``k_codes``, ``v_group_step``, ...) are ``DeviceArray`` objects of the allocated capacity in blocks (the
    ``n_blocks`` used rows come first); ``bits``, ``k_head_off`` and ``v_head_off`` are NumPy arrays (their device copies are
    ``*_device``). Capacity doubles as blocks are appended, copying only the used rows.

    Parameters
    ----------
    B, H, D : int
        Batch size, KV heads, head dim (a multiple of 16 in [16, 256]).
    bits : int or sequence of int, default 4
        Bits per KV head, each 2, 4 or 8.
    dtype : "float16" (default), "bfloat16" or "float32"
        Dtype of the appended tokens (and of ``q`` in attention).
    device : int, default 0
        CUDA device id.
    capacity : int, default 0
        Blocks of 64 tokens to allocate now (a cache grows by doubling when it runs out).

    Example
    -------
    >>> import torch  # doctest: +SKIP
    >>> k = torch.randn(1, 8, 4096, 128, device="cuda", dtype=torch.float16)  # doctest: +SKIP
    >>> kv = quantize_kv_cuda(k, k, bits=4)  # doctest: +SKIP
    >>> kv.append(k[:, :, :1], k[:, :, :1]); kv.n_tokens  # doctest: +SKIP
    4097
    """

    is_cuda = True
    block = _BLOCK

    def __init__(self, B, H, D, *, bits=4, dtype="float16", device=0, capacity=0):
        B, H, D = (_kv._check_int(x, n) for x, n in ((B, "B"), (H, "H"), (D, "D")))
        for value, name in ((B, "B"), (H, "H")):
            if value <= 0:
                raise ValueError(f"{name} must be positive (got {value})")
        if D < 16 or D > 256 or D % 16:
            raise ValueError(f"D must be a multiple of 16 in [16, 256] for the CUDA cache (got {D})")
        self.device = _kv._check_int(device, "device")
        capacity = _kv._check_int(capacity, "capacity")
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0 (got {capacity})")
        self._dtype = _kv._resolve_dtype(dtype)
        self._dtype_name = self._dtype.name  # NumPy builds the name on every read (about 2 us of an append)
        self.B, self.H, self.D = B, H, D
        self.G = -(-D // _C.KV_GROUP)
        bits = _kv._check_bits(bits, H)
        k_head_off, v_head_off, self._KB, self._VB = _kv._head_offsets(B, D, _BLOCK, bits)
        for a in (bits, k_head_off, v_head_off):
            a.flags.writeable = False
        self._bits, self._k_head_off, self._v_head_off = bits, k_head_off, v_head_off
        self._device_tables = tuple(_C.device_from_numpy(a, self.device) for a in (bits, k_head_off, v_head_off))
        self._cap = capacity
        self._arrays = {name: _C.device_empty((capacity,) + tail(self), dtype, self.device)
                        for name, dtype, tail in _ARRAYS}
        self._residual = tuple(_C.device_empty((B, H, _BLOCK, D), self._dtype_name, self.device) for _ in range(2))
        # The C core's view of the arrays (csrc/py_cuda_kv.c), made by the first call that reads them; None
        # whenever an array is replaced.
        self._c_kv = None
        self.n_blocks = 0
        self.n_residual = 0

    # -- metadata, same names as QuantizedKV --

    bits = property(lambda self: self._bits, doc="Bits per KV head (NumPy uint8 [H], read-only).")
    k_head_off = property(lambda self: self._k_head_off, doc="Byte offset of each head in a k_codes row.")
    v_head_off = property(lambda self: self._v_head_off, doc="Byte offset of each head in a v_codes row.")
    dtype = property(lambda self: self._dtype, doc="Dtype of the appended tokens and of the residual rows.")
    bits_device = property(lambda self: self._device_tables[0], doc="Device copy of bits.")
    k_head_off_device = property(lambda self: self._device_tables[1], doc="Device copy of k_head_off.")
    v_head_off_device = property(lambda self: self._device_tables[2], doc="Device copy of v_head_off.")
    residual_k = property(lambda self: self._residual[0],
                          doc="DeviceArray [B, H, 64, D] of the input dtype: rows [0, n_residual) are the last tokens.")
    residual_v = property(lambda self: self._residual[1], doc="The values' rows, as residual_k.")

    @property
    def n_tokens(self):
        """Tokens held: 64 * n_blocks + n_residual."""
        return self.n_blocks * _BLOCK + self.n_residual

    @property
    def shape(self):
        """(B, H, n_tokens, D)."""
        return (self.B, self.H, self.n_tokens, self.D)

    def __getattr__(self, name):
        arrays = self.__dict__.get("_arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(f"'CudaQuantizedKV' object has no attribute '{name}'")

    @property
    def nbytes(self):
        """Bytes held for the tokens, counted as QuantizedKV.nbytes counts them: the used rows of every array,
        the used residual rows of K and V, the head bit map and the head offsets."""
        total = 0
        for name, dtype, tail in _ARRAYS:
            total += self.n_blocks * int(np.prod(tail(self))) * _ITEMSIZE[dtype]
        total += 2 * self.B * self.H * self.n_residual * self.D * self._dtype.itemsize
        return int(total + self.H + 2 * 8 * self.H)

    @property
    def compression_ratio(self):
        """FP16 bytes of K and V (2 * B * H * n_tokens * D * 2) over :attr:`nbytes`."""
        return 2 * self.B * self.H * self.n_tokens * self.D * 2 / self.nbytes

    # -- growth --

    def _reserve(self, n_blocks):
        """Holds n_blocks: doubling capacity, device-to-device copy of the used rows only."""
        if n_blocks <= self._cap:
            return
        cap = max(n_blocks, 2 * self._cap)
        self._c_kv = None
        for name, dtype, tail in _ARRAYS:
            new = _C.device_empty((cap,) + tail(self), dtype, self.device)
            used = self.n_blocks * int(np.prod(tail(self))) * _ITEMSIZE[dtype]
            if used:
                _C.cuda_copy_prefix(new, self._arrays[name], used)
            self._arrays[name] = new
        self._cap = cap

    def _take_tokens(self, k, v, layout, room, names=("k_new", "v_new")):
        """Checks new tokens against the cache (device, dtype, shape, finite values in the input range) and copies
        the first min(n, room) rows into the residual window; one DLPack import per array. Errors name the arrays
        `names` (quantize_kv_cuda's are k and v). Returns (k, v, n)."""
        if layout not in ("BHND", "BNHD"):
            raise ValueError(f"layout must be 'BHND' or 'BNHD' (got {layout!r})")
        if layout == "BNHD":
            k, v = _bnhd_view(k, names[0]), _bnhd_view(v, names[1])
        n = _C.cuda_take_tokens(k, v, self.B, self.H, self.D, self._dtype_name, self.device, self.residual_k,
                                self.residual_v, self.n_residual, room, *names)
        return k, v, n

    def append(self, k_new, v_new, layout="BHND"):
        """Appends tokens: fills the residual window, compresses each block as it fills, never touches
        compressed blocks. The result is byte-identical to quantizing all tokens at once.

        Parameters
        ----------
        k_new, v_new : CUDA tensors [B, H, n, D] (or [B, n, H, D] with layout="BNHD"), any n >= 1
            torch, cupy or DeviceArray (anything with ``__dlpack__``); the cache's B, H, D, dtype and device.
        layout : "BHND" (default) or "BNHD"

        Example
        -------
        >>> kv.append(k[:, :, -1:], v[:, :, -1:])  # doctest: +SKIP
        """
        self._append(k_new, v_new, layout, ("k_new", "v_new"))

    def _append(self, k_new, v_new, layout, names):
        r = self.n_residual
        k, v, n = self._take_tokens(k_new, v_new, layout, _BLOCK - r, names)
        fill = min(n, _BLOCK - r)
        if r + fill < _BLOCK:
            self.n_residual = r + fill
            return
        whole = (n - fill) // _BLOCK
        self._reserve(self.n_blocks + 1 + whole)
        _C.cuda_kv_compress(self, self.residual_k, self.residual_v, self.n_blocks, 1, 0)
        self.n_blocks += 1
        self.n_residual = 0
        if whole:
            _C.cuda_kv_compress(self, k, v, self.n_blocks, whole, fill)
            self.n_blocks += whole
        tail = n - fill - whole * _BLOCK
        _C.cuda_copy_rows(self.residual_k, 0, k, n - tail, tail)
        _C.cuda_copy_rows(self.residual_v, 0, v, n - tail, tail)
        self.n_residual = tail

    def _window_state(self, n_new=None):
        """The counts and, when an append of n_new tokens can wrap the window, a device copy of the used residual
        rows: what that append can change in the tokens held (QuantizedKV._window_state)."""
        r = self.n_residual
        rows = None
        if r and (n_new is None or r + n_new > _BLOCK):
            rows = tuple(_C.device_empty((self.B, self.H, r, self.D), self._dtype_name, self.device) for _ in range(2))
            for dst, src in zip(rows, self._residual):
                _C.cuda_copy_rows(dst, 0, src, 0, r)
        return self.n_blocks, r, rows

    def _restore_window_state(self, state):
        self.n_blocks, r, rows = state
        if rows is not None:
            for dst, src in zip(self._residual, rows):
                _C.cuda_copy_rows(dst, 0, src, 0, r)
        self.n_residual = r

    # -- host copies --

    def to_cpu(self):
        """The same cache as a CPU :class:`turboattn.kv.QuantizedKV` (device-to-host copies of the used rows).

        Example
        -------
        >>> host = kv.to_cpu(); host.n_tokens == kv.n_tokens  # doctest: +SKIP
        True
        """
        host = _kv.QuantizedKV(self.B, self.H, self.D, bits=self._bits.tolist(), dtype=self._dtype, block=_BLOCK)
        store = host._store
        for name, _dtype, _tail in _ARRAYS:
            full = _C.device_to_numpy(self._arrays[name])
            setattr(store, name, np.ascontiguousarray(full[: self.n_blocks]))
        store.residual_k = _C.device_to_numpy(self.residual_k)
        store.residual_v = _C.device_to_numpy(self.residual_v)
        store.n_blocks = self.n_blocks
        store.n_residual = self.n_residual
        return host

    def dequantize(self):
        """Float32 NumPy K and V [B, H, n_tokens, D] as the cache represents them (see QuantizedKV.dequantize)."""
        return self.to_cpu().dequantize()

    def __repr__(self):
        bits = self._bits.tolist()
        bits_text = str(bits[0]) if len(set(bits)) == 1 else str(bits)
        return (f"CudaQuantizedKV(B={self.B}, H={self.H}, D={self.D}, n_tokens={self.n_tokens} ({self.n_blocks} "
                f"blocks of 64 + {self.n_residual} residual), bits={bits_text}, dtype={self._dtype.name}, "
                f"device=cuda:{self.device}, nbytes={self.nbytes}, compression_ratio={self.compression_ratio:.2f})")


def quantize_kv_cuda(k, v, bits=4, frac_2bit=None, layout="BHND", capacity=None):
    """SPEC section 4 on CUDA tensors: compress K and V into a :class:`CudaQuantizedKV`.

    Parameters
    ----------
    k, v : CUDA tensors [B, H, N, D] (or [B, N, H, D] with layout="BNHD"), float16, bfloat16 or float32,
        same shape and dtype, finite and at most 2^48 in magnitude, D a multiple of 16 in [16, 256].
    bits : int or sequence of H ints, default 4
        2, 4 or 8 bits per KV head.
    frac_2bit : float in [0, 1] or None
        Headwise mixed precision by SPEC section 4's rule (turboattn.kv.quantize_kv); the ranking is computed
        on a host copy of k and v, so it costs a device-to-host transfer.
    layout : "BHND" (default) or "BNHD"
    capacity : int or None
        Blocks of 64 tokens to allocate, at least the N // 64 that k fills (the default). Room for the tokens a
        generation will append spares the cache a doubling copy of all its blocks when it outgrows its arrays.

    Returns
    -------
    CudaQuantizedKV, byte-identical to ``quantize_kv`` on the same values.

    Example
    -------
    >>> kv = quantize_kv_cuda(k, v, bits=[4, 2, 4, 2, 4, 2, 4, 2])  # doctest: +SKIP
    """
    if layout not in ("BHND", "BNHD"):
        raise ValueError(f"layout must be 'BHND' or 'BNHD' (got {layout!r})")
    kb, vb = (_bnhd_view(k, "k"), _bnhd_view(v, "v")) if layout == "BNHD" else (k, v)
    kd, kdev, kshape = _info(kb, "k")
    vd, vdev, vshape = _info(vb, "v")
    if kdev[0] != "cuda" or vdev != kdev:
        raise ValueError(f"k and v must be on one CUDA device (got {kdev[0]}:{kdev[1]} and {vdev[0]}:{vdev[1]})")
    if vd != kd or tuple(vshape) != tuple(kshape):
        raise ValueError(f"v must have the dtype and shape of k (got {vd} {list(vshape)}, expected {kd} "
                         f"{list(kshape)})")
    B, H, _N, D = kshape
    head_bits = _kv._check_bits(bits, H)
    frac = _kv._check_frac(frac_2bit)
    if frac is not None:
        if not (isinstance(bits, (int, np.integer)) and int(bits) == 4):
            raise ValueError(f"pass either bits or frac_2bit, not both (got bits={bits!r}, frac_2bit={frac_2bit})")
        kh, vh = _C.dlpack_to_numpy(kb), _C.dlpack_to_numpy(vb)
        head_bits = _kv._select_2bit_heads(kh, vh, frac, _BLOCK, kh.dtype)
    if capacity is None:
        capacity = _N // _BLOCK
    elif _kv._check_int(capacity, "capacity") < _N // _BLOCK:
        raise ValueError(f"capacity must be at least the {_N // _BLOCK} blocks that k fills (got {capacity})")
    cache = CudaQuantizedKV(B, H, D, bits=head_bits, dtype=kd, device=kdev[1], capacity=capacity)
    cache._append(kb, vb, "BHND", ("k", "v"))  # a bad value is the caller's k or v
    return cache
