"""DLPack import/export and DeviceArray: views without copies, argument-named errors, and the producer's
deleter called exactly once on every path.

Deleters are counted by a producer written here with ctypes (it builds the DLPack structs itself, so it
can also hand over tensors no real library would: wrong device, wrong version, misaligned data), and by
one that delegates to NumPy's own __dlpack__ and watches the exported array die. GPU tests run only where
``_C.cuda_device_count() > 0``.
"""
import ctypes
import gc
import sys
import weakref

import numpy as np
import pytest

from turboattn import _C
from turboattn import _buffers

try:
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None

HAS_GPU = _C.cuda_device_count() > 0


def random_qkv(rng, shape=(2, 3, 17, 8), dtype=np.float32):
    x = rng.standard_normal(shape).astype(np.float32)
    x[..., : max(1, shape[-1] // 8)] *= 20.0  # a few outlier channels
    return x.astype(dtype)


# ---- a DLPack producer built with ctypes --------------------------------------------------------------


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


assert ctypes.sizeof(DLManagedTensor) == 64 and ctypes.sizeof(DLManagedTensorVersioned) == 80

READ_ONLY, IS_COPIED = 1, 2

_capi = ctypes.pythonapi
_capi.PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_capi.PyCapsule_IsValid.restype = ctypes.c_int
_capi.PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_capi.PyCapsule_GetPointer.restype = ctypes.c_void_p
_capi.PyCapsule_GetName.argtypes = [ctypes.py_object]
_capi.PyCapsule_GetName.restype = ctypes.c_char_p
_capi.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]
_capi.PyCapsule_SetName.restype = ctypes.c_int
CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_capi.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, CAPSULE_DESTRUCTOR]
_capi.PyCapsule_New.restype = ctypes.py_object

NAME_V, NAME, USED = b"dltensor_versioned", b"dltensor", b"used_dltensor"

_LIVE = {}  # address of a managed struct -> (producer, the ctypes objects it points into)
_BAD_DELETES = []  # addresses deleted twice or never exported: must stay empty


@DELETER
def _deleter(address):
    entry = _LIVE.pop(address, None)
    if entry is None:
        _BAD_DELETES.append(address)
    else:
        entry[0].deleted += 1


@CAPSULE_DESTRUCTOR
def _capsule_destructor(capsule, is_valid=_capi.PyCapsule_IsValid, get_pointer=_capi.PyCapsule_GetPointer,
                        names=(NAME_V, NAME), deleter=_deleter):
    # only a capsule nobody consumed (still under its first name) owns its tensor; the defaults keep
    # what this needs alive for capsules that outlive the module at interpreter exit
    for name in names:
        if is_valid(capsule, name):
            deleter(get_pointer(capsule, name))


def capsule_name(capsule):
    return _capi.PyCapsule_GetName(capsule).decode()


@pytest.fixture(autouse=True)
def no_double_deletes():
    yield
    gc.collect()
    assert _BAD_DELETES == []


DL_CODES = {"i": 0, "u": 1, "f": 2, "c": 5, "b": 6}


def dl_dtype_of(array):
    if ml_dtypes is not None and array.dtype == ml_dtypes.bfloat16:
        return (4, 16, 1)
    return (DL_CODES[array.dtype.kind], array.dtype.itemsize * 8, 1)


class CtypesProducer:
    """Exports `array` (host memory) through a capsule it builds itself and counts deleter calls.

    Keyword overrides describe what the capsule claims, which need not be true: device (what
    __dlpack_device__ says), tensor_device, dtype (code, bits, lanes), ndim, strides ("explicit",
    None for NULL, or a tuple in elements), byte_offset (added to the data pointer, which is moved
    back by the same amount), flags, version, legacy_only (TypeError on max_version, like an old
    producer), capsule_name (to hand over a capsule under another name).
    """

    def __init__(self, array, *, device=(1, 0), tensor_device=None, dtype=None, ndim=None, strides="explicit",
                 byte_offset=0, flags=0, version=(1, 0), legacy_only=False, capsule_name=None, data=None):
        self.array = array
        self.device = device
        self.tensor_device = tensor_device or device
        self.dtype = dtype or dl_dtype_of(array)
        self.ndim = array.ndim if ndim is None else ndim
        self.strides = strides
        self.byte_offset = byte_offset
        self.flags = flags
        self.version = version
        self.legacy_only = legacy_only
        self.capsule_name = capsule_name
        self.data = data
        self.exports = 0
        self.deleted = 0
        self.calls = []

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        self.calls.append({"stream": stream, "max_version": max_version})
        if self.legacy_only and max_version is not None:
            raise TypeError("__dlpack__() got an unexpected keyword argument 'max_version'")
        versioned = max_version is not None and max_version[0] >= 1
        managed = self.managed(versioned)
        capsule = _capi.PyCapsule_New(ctypes.addressof(managed), NAME_V if versioned else NAME, _capsule_destructor)
        if self.capsule_name is not None:
            _capi.PyCapsule_SetName(capsule, self.capsule_name)
        self.last_capsule = capsule
        return capsule

    def managed(self, versioned):
        """A managed tensor as described, registered in _LIVE until its deleter runs (counted as an export)."""
        managed = DLManagedTensorVersioned() if versioned else DLManagedTensor()
        shape = (ctypes.c_int64 * max(1, self.ndim))(*self.array.shape[: self.ndim])
        item = self.array.dtype.itemsize
        if self.strides == "explicit":
            strides = (ctypes.c_int64 * max(1, self.ndim))(*[s // item for s in self.array.strides[: self.ndim]])
        elif self.strides is None:
            strides = None
        else:
            strides = (ctypes.c_int64 * len(self.strides))(*self.strides)
        t = managed.dl_tensor
        base = self.array.ctypes.data if self.data is None else self.data
        t.data = (base - self.byte_offset) if base else None
        t.byte_offset = self.byte_offset
        t.device = DLDevice(*self.tensor_device)
        t.ndim = self.ndim
        t.dtype = DLDataType(*self.dtype)
        t.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
        t.strides = ctypes.cast(strides, ctypes.POINTER(ctypes.c_int64)) if strides is not None else None
        managed.deleter = _deleter
        if versioned:
            managed.version = DLPackVersion(*self.version)
            managed.flags = self.flags
        _LIVE[ctypes.addressof(managed)] = (self, (managed, shape, strides, self.array))
        self.exports += 1
        return managed


class NumpyProducer:
    """Delegates to NumPy's own __dlpack__ on a fresh view that only the capsule keeps alive, so the
    view's death is the deleter call. `legacy_only` rejects max_version like a pre-1.0 producer."""

    def __init__(self, array, legacy_only=False):
        self.array = array
        self.legacy_only = legacy_only
        self.exports = 0
        self.deleted = 0

    def _count(self):
        self.deleted += 1

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if self.legacy_only and max_version is not None:
            raise TypeError("__dlpack__() got an unexpected keyword argument 'max_version'")
        view = self.array.view()
        weakref.finalize(view, self._count)
        kwargs = {"stream": stream}
        if max_version is not None:
            kwargs["max_version"] = max_version
        capsule = view.__dlpack__(**kwargs)
        self.exports += 1
        return capsule


def settle(producer):
    gc.collect()
    return producer.exports, producer.deleted


# ---- the NumPy fast path --------------------------------------------------------------------------------


def test_numpy_view_contiguous():
    rng = np.random.default_rng(0)
    for dtype, name in [(np.float32, "float32"), (np.float16, "float16")]:
        x = random_qkv(rng, dtype=dtype)
        dt, device, shape, strides, ptr = _C.view_info(x, "q")
        assert (dt, device, shape) == (name, ("cpu", 0), x.shape)
        assert strides == tuple(s // x.itemsize for s in x.strides)
        assert ptr == x.ctypes.data


@pytest.mark.skipif(ml_dtypes is None, reason="needs ml_dtypes")
def test_numpy_view_bfloat16():
    x = random_qkv(np.random.default_rng(1)).astype(ml_dtypes.bfloat16)
    assert _C.view_info(x)[0] == "bfloat16"


def test_numpy_view_negative_and_permuted_strides():
    x = random_qkv(np.random.default_rng(2), shape=(2, 4, 9, 6))
    flipped = x[:, ::-1, :, ::-2]
    dt, _, shape, strides, ptr = _C.view_info(flipped)
    assert shape == flipped.shape and strides == (216, -54, 6, -2)
    assert ptr == flipped.ctypes.data == x[0, 3, 0, 5:].ctypes.data
    bnhd = np.ascontiguousarray(x.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)  # BNHD memory seen as BHND
    assert _C.view_info(bnhd)[3] == (216, 6, 24, 1)


def test_numpy_view_rejects_broadcast_and_empty():
    rng = np.random.default_rng(3)
    x = random_qkv(rng, shape=(1, 1, 5, 8))
    with pytest.raises(ValueError, match=r"k has stride 0 in dimension 1 of size 4"):
        _C.view_info(np.broadcast_to(x, (1, 4, 5, 8)), "k")
    # size-1 dimensions may have any stride
    assert _C.view_info(np.broadcast_to(x, (1, 1, 5, 8)))[2] == (1, 1, 5, 8)
    with pytest.raises(ValueError, match=r"v must not be empty \(shape \[2, 3, 0, 8\]\)"):
        _C.view_info(np.zeros((2, 3, 0, 8), np.float32), "v")


def test_numpy_view_rejects_bad_arrays():
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match=r"q must be 4-D \[B, H, N, D\] \(got 3 dimensions\)"):
        _C.view_info(rng.standard_normal((2, 3, 4)).astype(np.float32), "q")
    with pytest.raises(TypeError, match=r"q must be float16, bfloat16 or float32 \(got float64\)"):
        _C.view_info(rng.standard_normal((1, 2, 3, 4)), "q")
    with pytest.raises(TypeError, match="native byte order"):
        _C.view_info(random_qkv(rng).astype(">f4"), "q")
    raw = np.frombuffer(rng.standard_normal(64).astype(np.float32).tobytes() + b"\0", np.uint8)[1:257]
    misaligned = raw.view(np.float32).reshape(1, 1, 8, 8)
    with pytest.raises(ValueError, match="q data pointer is not aligned to its item size 4"):
        _C.view_info(misaligned, "q")
    odd = np.lib.stride_tricks.as_strided(random_qkv(rng), shape=(1, 1, 4, 4), strides=(4, 4, 18, 4))
    with pytest.raises(ValueError, match="stride of 18 bytes in dimension 2"):
        _C.view_info(odd, "q")
    with pytest.raises(TypeError, match=r"q must be a NumPy array or an object with __dlpack__ \(got list\)"):
        _C.view_info([[[[1.0]]]], "q")


def test_writable_view_rejects_read_only_numpy():
    x = random_qkv(np.random.default_rng(5))
    assert _C.view_info(x, "out", writable=True)[4] == x.ctypes.data
    x.flags.writeable = False
    assert _C.view_info(x, "q")[0] == "float32"  # inputs may be read-only
    with pytest.raises(ValueError, match="out is read-only; an output needs writable memory"):
        _C.view_info(x, "out", writable=True)


# ---- DLPack import: successful paths ----------------------------------------------------------------


def test_import_versioned_capsule_takes_ownership():
    x = random_qkv(np.random.default_rng(6))
    p = CtypesProducer(x)
    dt, device, shape, strides, ptr = _C.view_info(p, "q")
    assert (dt, device, shape, ptr) == ("float32", ("cpu", 0), x.shape, x.ctypes.data)
    assert strides == tuple(s // 4 for s in x.strides)
    assert p.calls == [{"stream": None, "max_version": (1, 0)}]  # CPU: stream None
    assert capsule_name(p.last_capsule) == "used_dltensor_versioned"
    del p.last_capsule
    assert settle(p) == (1, 1)


def test_import_legacy_producer_falls_back_without_max_version():
    x = random_qkv(np.random.default_rng(7), dtype=np.float16)
    p = CtypesProducer(x, legacy_only=True)
    assert _C.view_info(p, "k")[:3] == ("float16", ("cpu", 0), x.shape)
    assert [c["max_version"] for c in p.calls] == [(1, 0), None]
    assert capsule_name(p.last_capsule) == "used_dltensor"
    del p.last_capsule
    assert settle(p) == (1, 1)


def test_import_null_strides_mean_c_contiguous_and_byte_offset_is_applied():
    x = random_qkv(np.random.default_rng(8), shape=(2, 2, 5, 4))
    p = CtypesProducer(x, strides=None, byte_offset=64)
    _, _, shape, strides, ptr = _C.view_info(p)
    assert shape == x.shape and strides == (40, 20, 4, 1) and ptr == x.ctypes.data
    assert settle(p) == (1, 1)


def test_import_negative_strides():
    x = random_qkv(np.random.default_rng(9), shape=(2, 3, 6, 4))
    flipped = x[::-1, :, ::-1]
    p = CtypesProducer(flipped)
    _, _, _, strides, ptr = _C.view_info(p)
    assert strides == (-72, 24, -4, 1) and ptr == flipped.ctypes.data
    assert settle(p) == (1, 1)


@pytest.mark.skipif(ml_dtypes is None, reason="needs ml_dtypes")
@pytest.mark.parametrize("path", ["prefill", "decode"])
def test_bfloat16_dlpack_out_is_written_in_place(path):
    """A host bfloat16 out behind a DLPack capsule (NumPy cannot import that dtype itself) is written where it
    lives. Before session 14 the prefill path turned it into a NumPy copy and the caller's out stayed unwritten."""
    import turboattn as ta
    rng = np.random.default_rng(14)
    q, k, v = (random_qkv(rng, (1, 2, 70, 64)).astype(ml_dtypes.bfloat16) for _ in range(3))
    if path == "decode":
        cache = ta.quantize_kv(k, v, bits=4)
        q = np.ascontiguousarray(q[:, :, -1:])
        run = lambda out=None: ta.flashq_attention(q, kv=cache, out=out)  # noqa: E731
    else:
        run = lambda out=None: ta.flashq_attention(q, k, v, causal=True, out=out)  # noqa: E731
    want = run()
    target = np.full(q.shape, np.nan, dtype=ml_dtypes.bfloat16)
    p = CtypesProducer(target)
    assert run(p) is p
    np.testing.assert_array_equal(target.astype(np.float32), want.astype(np.float32))
    assert settle(p)[0] == settle(p)[1]


def test_import_bfloat16():
    x = random_qkv(np.random.default_rng(10)).astype(ml_dtypes.bfloat16)
    p = CtypesProducer(x)
    assert _C.view_info(p)[0] == "bfloat16"
    assert settle(p) == (1, 1)


def test_import_read_only_flag_is_honoured():
    x = random_qkv(np.random.default_rng(11))
    p = CtypesProducer(x, flags=READ_ONLY)
    assert _C.view_info(p, "q")[0] == "float32"  # fine as an input
    with pytest.raises(ValueError, match="out is read-only"):
        _C.view_info(p, "out", writable=True)
    assert settle(p) == (2, 2)


def test_import_through_numpys_own_dlpack():
    rng = np.random.default_rng(12)
    x = random_qkv(rng)[:, :, 1:]  # not contiguous
    p = NumpyProducer(x)
    assert _C.view_info(p, "q")[2:] == (x.shape, tuple(s // 4 for s in x.strides), x.ctypes.data)
    assert settle(p) == (1, 1)
    legacy = NumpyProducer(x, legacy_only=True)
    assert _C.view_info(legacy, "q")[4] == x.ctypes.data
    assert settle(legacy) == (1, 1)
    frozen = random_qkv(rng)
    frozen.flags.writeable = False
    p = NumpyProducer(frozen)
    assert _C.view_info(p, "q")[0] == "float32"
    with pytest.raises(ValueError, match="read-only"):  # NumPy marks the versioned capsule read-only
        _C.view_info(p, "out", writable=True)
    assert settle(p) == (2, 2)


# ---- DLPack import: every error path calls the deleter exactly once ----------------------------------


def _bad_producers(x):
    yield "bad dtype", CtypesProducer(x.astype(np.float64)), TypeError, r"q must be float16, bfloat16 or float32 \(got float64\)"
    yield "int dtype", CtypesProducer(x.astype(np.int8)), TypeError, r"\(got int8\)"
    yield "vector lanes", CtypesProducer(x, dtype=(2, 32, 4)), TypeError, r"\(got float32x4\)"
    yield "bad ndim", CtypesProducer(x[0]), ValueError, r"q must be 4-D \[B, H, N, D\] \(got 3 dimensions\)"
    yield "zero size", CtypesProducer(x[:, :, :0]), ValueError, r"q must not be empty \(shape \[2, 3, 0, 8\]\)"
    yield "broadcast", CtypesProducer(x, strides=(0, 136, 8, 1)), ValueError, "stride 0 in dimension 0 of size 2"
    yield "misaligned", CtypesProducer(x, byte_offset=2, data=x.ctypes.data + 2), ValueError, "not aligned"
    yield "null data", CtypesProducer(x, data=0), ValueError, "NULL data pointer"
    yield "device mismatch", CtypesProducer(x, tensor_device=(1, 3)), ValueError, r"device \(1, 3\) but __dlpack_device__ said \(1, 0\)"
    yield "major version 2", CtypesProducer(x, version=(2, 0)), ValueError, "DLPack 2.0 tensor; turboattn reads DLPack 1.x"


@pytest.mark.parametrize("case", range(10))
def test_import_error_paths_call_deleter_once(case):
    x = random_qkv(np.random.default_rng(13), shape=(2, 3, 17, 8))
    label, producer, error, message = list(_bad_producers(x))[case]
    with pytest.raises(error, match=message):
        _C.view_info(producer, "q")
    assert settle(producer) == (1, 1), label


def test_import_error_paths_legacy_capsule():
    x = random_qkv(np.random.default_rng(14))
    p = CtypesProducer(x.astype(np.float64), legacy_only=True)
    with pytest.raises(TypeError, match=r"got float64"):
        _C.view_info(p, "v")
    assert settle(p) == (1, 1)


def test_refused_devices_are_never_exported():
    x = random_qkv(np.random.default_rng(15))
    p = CtypesProducer(x, device=(8, 0))
    with pytest.raises(ValueError, match=r"q is on DLPack device \(8, 0\)"):
        _C.view_info(p, "q")
    assert settle(p) == (0, 0)
    p = CtypesProducer(x, device=(2, _C.cuda_device_count()))  # one past the last visible device
    message = "built without CUDA" if not _C.BUILT_WITH_CUDA else "CUDA devices? (is|are) visible"
    with pytest.raises(ValueError, match=message):
        _C.view_info(p, "q")
    assert settle(p) == (0, 0)


def test_unusable_capsules_stay_with_their_producer():
    x = random_qkv(np.random.default_rng(16))
    p = CtypesProducer(x, capsule_name=USED)
    with pytest.raises(TypeError, match="returned a capsule named 'used_dltensor'"):
        _C.view_info(p, "q")
    assert settle(p) == (1, 0)  # already consumed by someone else: not ours to delete
    _LIVE.clear()

    class NotACapsule:
        def __dlpack_device__(self):
            return (1, 0)

        def __dlpack__(self, **kwargs):
            return 42

    with pytest.raises(TypeError, match=r"q.__dlpack__\(\) must return a PyCapsule \(got int\)"):
        _C.view_info(NotACapsule(), "q")

    class NoDevice:
        def __dlpack_device__(self):
            return "cpu"

        def __dlpack__(self, **kwargs):  # pragma: no cover - never reached
            raise AssertionError

    with pytest.raises(TypeError, match=r"q.__dlpack_device__\(\) must return a \(device_type, device_id\)"):
        _C.view_info(NoDevice(), "q")


def test_unconsumed_capsule_is_deleted_by_its_destructor():
    p = CtypesProducer(random_qkv(np.random.default_rng(17)))
    capsule = p.__dlpack__(max_version=(1, 0))
    del capsule, p.last_capsule
    assert settle(p) == (1, 1)


# ---- copies to NumPy ---------------------------------------------------------------------------------


def test_dlpack_to_numpy_copies_any_strided_cpu_tensor():
    rng = np.random.default_rng(18)
    base = rng.standard_normal((3, 5, 7)).astype(np.float64)
    for view in (base, base[::-1, 1:4, ::-2], base.transpose(2, 0, 1), base[1], base[0, 0, 3, ...]):
        p = CtypesProducer(view)
        out = _C.dlpack_to_numpy(p)
        assert out.flags.c_contiguous and out.dtype == view.dtype
        np.testing.assert_array_equal(out, view)
        assert settle(p) == (1, 1)
    ints = rng.integers(-100, 100, (4, 6)).astype(np.int8)[:, ::3]
    np.testing.assert_array_equal(_C.dlpack_to_numpy(CtypesProducer(ints)), ints)


def test_dlpack_to_numpy_rejects_unknown_dtype_and_deletes():
    p = CtypesProducer(np.ones(4, np.float32), dtype=(9, 8, 1))
    with pytest.raises(TypeError, match="DLPack dtype code 9 bits 8, which NumPy cannot hold"):
        _C.dlpack_to_numpy(p)
    assert settle(p) == (1, 1)


@pytest.mark.skipif(ml_dtypes is None, reason="needs ml_dtypes")
def test_to_numpy_and_device_of():
    rng = np.random.default_rng(19)
    x = random_qkv(rng)
    assert _buffers.to_numpy(x) is x
    np.testing.assert_array_equal(_buffers.to_numpy(NumpyProducer(x)), x)
    bf = x.astype(ml_dtypes.bfloat16)[:, ::-1]
    p = CtypesProducer(bf)  # NumPy's importer refuses bfloat16; ours copies it
    got = _buffers.to_numpy(p)
    assert got.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(got.astype(np.float32), bf.astype(np.float32))
    assert settle(p)[0] == settle(p)[1]
    assert _buffers.device_of(x) == ("cpu", 0)
    assert _buffers.device_of(CtypesProducer(x, device=(2, 1))) == ("cuda", 1)
    with pytest.raises(ValueError, match=r"DLPack device \(8, 0\)"):
        _buffers.device_of(CtypesProducer(x, device=(8, 0)))
    with pytest.raises(TypeError):
        _buffers.device_of([1.0])


# ---- DeviceArray without a GPU -------------------------------------------------------------------------


def test_cuda_device_count_never_raises():
    n = _C.cuda_device_count()
    assert isinstance(n, int) and n >= 0
    if not _C.BUILT_WITH_CUDA:
        assert n == 0


@pytest.mark.skipif(HAS_GPU, reason="checks the no-GPU behaviour")
def test_device_functions_raise_runtime_error_without_gpu():
    message = "turboattn was built without CUDA" if not _C.BUILT_WITH_CUDA else "CUDA cudaGetDeviceCount failed"
    with pytest.raises(RuntimeError, match=message):
        _C.device_empty((2, 3), "float16", 0)
    with pytest.raises(RuntimeError, match=message):
        _C.device_from_numpy(np.ones((2, 3), np.float32), 0)
    with pytest.raises(RuntimeError, match=message):
        _buffers.device_empty(4, np.int8)
    with pytest.raises(TypeError, match="device_array must be a turboattn DeviceArray"):
        _C.device_to_numpy(np.ones(3))
    with pytest.raises(TypeError):
        _C.DeviceArray()
    assert _C.device_live_bytes() == 0


def test_device_from_numpy_checks_dtype_before_cuda():
    with pytest.raises(TypeError, match=r"array must have a native-byte-order dtype among float32, .*int64 \(got dtype\('float64'\)\)"):
        _C.device_from_numpy(np.ones(3))
    with pytest.raises(TypeError, match="array must be a NumPy array"):
        _C.device_from_numpy([1.0])


# ---- GPU ----------------------------------------------------------------------------------------------

DEVICE_DTYPES = ["float32", "float16", "bfloat16", "int8", "uint8", "int32", "int64"]


def random_host(rng, shape, dtype):
    if dtype == "bfloat16":
        if ml_dtypes is None:
            pytest.skip("needs ml_dtypes")
        return rng.standard_normal(shape).astype(ml_dtypes.bfloat16)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -1000), min(info.max, 1000), shape).astype(dtype)
    return (rng.standard_normal(shape) * 10).astype(dtype)


class Forward:
    """Hides a DeviceArray behind a plain __dlpack__ so the importer takes the DLPack road."""

    def __init__(self, array):
        self.array = array
        self.streams = []

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()

    def __dlpack__(self, **kwargs):
        self.streams.append(kwargs.get("stream"))
        return self.array.__dlpack__(**kwargs)


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
@pytest.mark.parametrize("dtype", DEVICE_DTYPES)
def test_gpu_round_trip(dtype):
    rng = np.random.default_rng(20)
    host = random_host(rng, (3, 4, 5), dtype)[:, ::-1]  # device_from_numpy makes it contiguous
    live = _C.device_live_bytes()
    d = _buffers.from_numpy(host)
    assert (d.shape, d.dtype, d.device, d.nbytes) == (host.shape, dtype, 0, host.nbytes)
    assert d.strides == (20, 5, 1) and d.ptr != 0 and _C.device_live_bytes() == live + host.nbytes
    assert d.__dlpack_device__() == (2, 0)
    back = _buffers.to_numpy(d)
    assert back.dtype == host.dtype
    np.testing.assert_array_equal(back, host)
    del d
    assert _C.device_live_bytes() == live


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_device_from_numpy_owns_its_copy_when_it_returns():
    """The host array may change the moment device_from_numpy returns, pageable or pinned (a NumPy view of a
    pinned torch tensor): 64 MiB take milliseconds to copy, so a copy still reading the source would see the
    overwrite."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(24)
    want = rng.standard_normal(1 << 24).astype(np.float32)
    pinned = torch.empty(want.size, dtype=torch.float32, pin_memory=True).numpy()
    for host in (want.copy(), pinned):
        host[:] = want
        d = _buffers.from_numpy(host)
        host[:] = -1.0
        np.testing.assert_array_equal(_buffers.to_numpy(d), want)


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_gpu_views_direct_and_through_dlpack():
    rng = np.random.default_rng(21)
    d = _buffers.from_numpy(random_qkv(rng, dtype=np.float16))
    assert _C.view_info(d, "q") == ("float16", ("cuda", 0), (2, 3, 17, 8), (408, 136, 8, 1), d.ptr)
    before = sys.getrefcount(d)
    f = Forward(d)
    assert _C.view_info(f, "q") == ("float16", ("cuda", 0), (2, 3, 17, 8), (408, 136, 8, 1), d.ptr)
    assert f.streams == [1]  # CUDA imports ask for the legacy default stream
    gc.collect()
    assert sys.getrefcount(d) == before + 1  # only Forward's reference: the export's was dropped once
    with pytest.raises(TypeError, match=r"q must be float16, bfloat16 or float32 \(got int8\)"):
        _C.view_info(Forward(_buffers.from_numpy(random_host(rng, (1, 1, 2, 2), "int8"))), "q")
    with pytest.raises(ValueError, match="got 2 dimensions"):
        _C.view_info(_buffers.device_empty((4, 4)), "q")


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_gpu_export_capsules_and_deleter():
    d = _buffers.from_numpy(random_qkv(np.random.default_rng(22)))
    base = sys.getrefcount(d)
    legacy = d.__dlpack__()
    versioned = d.__dlpack__(max_version=(1, 2), stream=1)
    assert (capsule_name(legacy), capsule_name(versioned)) == ("dltensor", "dltensor_versioned")
    assert sys.getrefcount(d) == base + 2
    del legacy, versioned  # never consumed: their destructors call the deleter
    assert sys.getrefcount(d) == base
    p = ctypes.cast(_capi.PyCapsule_GetPointer(id(c := d.__dlpack__(max_version=(1, 0), copy=True)), NAME_V),
                    ctypes.POINTER(DLManagedTensorVersioned)).contents
    assert p.flags & IS_COPIED and p.dl_tensor.data != d.ptr and p.version.major == 1
    assert tuple(p.dl_tensor.shape[i] for i in range(4)) == d.shape
    del p, c
    with pytest.raises(BufferError, match="cannot be exported to DLPack device"):
        d.__dlpack__(dl_device=(1, 0))
    with pytest.raises(ValueError, match="0 is ambiguous"):
        d.__dlpack__(stream=0)
    assert d.__dlpack__(stream=-1) is not None and d.__dlpack__(stream=2) is not None
    with pytest.raises(ValueError, match="device_id must be in"):
        _C.device_empty((2,), "float32", 99)
    with pytest.raises(TypeError, match="dtype must be one of"):
        _C.device_empty((2,), "float64")


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_gpu_torch_interop():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(23)
    host = random_qkv(rng)
    live = _C.device_live_bytes()
    d = _buffers.from_numpy(host)
    t = torch.from_dlpack(d)
    assert t.is_cuda and t.data_ptr() == d.ptr
    np.testing.assert_array_equal(t.cpu().numpy(), host)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        t2 = torch.from_dlpack(d)  # passes its own stream handle: we order it with an event
        assert t2.data_ptr() == d.ptr
    del d
    assert _C.device_live_bytes() == live + host.nbytes  # torch still holds it
    del t, t2
    gc.collect()
    assert _C.device_live_bytes() == live
    src = torch.from_numpy(host).cuda().transpose(1, 2)
    assert _C.view_info(src, "q")[1:] == (("cuda", 0), tuple(src.shape), tuple(src.stride()), src.data_ptr())
    np.testing.assert_array_equal(_buffers.to_numpy(src), host.transpose(0, 2, 1, 3))
    np.testing.assert_array_equal(_buffers.to_numpy(src.flip(3)[:, :, 1:]), host.transpose(0, 2, 1, 3)[..., ::-1][:, :, 1:])
    assert _buffers.device_of(src) == ("cuda", 0)


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_gpu_cupy_interop():
    cupy = pytest.importorskip("cupy")
    host = random_qkv(np.random.default_rng(24))
    d = _buffers.from_numpy(host)
    c = cupy.from_dlpack(d)
    np.testing.assert_array_equal(cupy.asnumpy(c), host)
    stream = cupy.cuda.Stream(non_blocking=True)
    assert d.__dlpack__(stream=stream.ptr) is not None
    assert _C.view_info(c, "k")[4] == c.data.ptr


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
@pytest.mark.parametrize("path", ["decode", "prefill"])
def test_gpu_side_stream_inputs_are_ordered(path):
    """q and out written on a busy PyTorch side stream: the call's one synchronisation (stream=1 for the
    first tensor, stream=-1 for later ones of the same library, csrc/dlpack.c) must still order both the
    write of q and the poisoning of out before our kernels. The side stream sleeps first, so a missing
    wait would read the old q or have out overwritten by the NaN fill."""
    torch = pytest.importorskip("torch")
    import turboattn as ta
    g = torch.Generator(device="cuda").manual_seed(31)
    k = torch.randn(1, 2, 200, 64, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn(1, 2, 200, 64, device="cuda", dtype=torch.float16, generator=g)
    k[..., :2] *= 20  # outlier channels
    nq = 1 if path == "decode" else 77
    q_true = torch.randn(1, 4, nq, 64, device="cuda", dtype=torch.float16, generator=g)
    cache = ta.quantize_kv(k, v, bits=4) if path == "decode" else None
    run = (lambda q, out: ta.flashq_attention(q, kv=cache, out=out)) if path == "decode" else \
        (lambda q, out: ta.flashq_attention(q, k, v, causal=True, out=out))
    expected = torch.empty_like(q_true)
    run(q_true, expected)
    torch.cuda.synchronize()
    q = torch.zeros_like(q_true)
    out = torch.zeros_like(q_true)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        torch.cuda._sleep(20_000_000)  # tens of milliseconds of work ahead of the writes
        q.copy_(q_true)
        out.fill_(float("nan"))
        run(q, out)
    torch.cuda.synchronize()
    assert torch.isfinite(out).all()
    assert torch.equal(out, expected)
    assert float(expected.float().abs().max()) > 0.1  # a real output, not zeros
