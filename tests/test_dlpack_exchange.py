"""DLPack import through a producer's C exchange table (`__dlpack_c_exchange_api__` on its type, DLPack 1.2):
the tensor is taken without calling __dlpack__ or __dlpack_device__, the producer's deleter runs exactly once
on every path, and tables we must not use (another major version, an older minor, missing functions) leave
the type on the __dlpack__ path. The producer is test_dlpack's ctypes one with a table of ctypes callbacks.
PyTorch's own table is tested on the GPU."""
import ctypes

import numpy as np
import pytest

from test_dlpack import HAS_GPU, CtypesProducer, DLPackVersion, _capi, random_qkv, settle
from turboattn import _C


class ExchangeHeader(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("prev_api", ctypes.c_void_p)]


FROM_PY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
WORK_STREAM = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(ctypes.c_void_p))


class ExchangeAPI(ctypes.Structure):
    _fields_ = [("header", ExchangeHeader), ("managed_tensor_allocator", ctypes.c_void_p),
                ("managed_tensor_from_py_object_no_sync", FROM_PY), ("managed_tensor_to_py_object_no_sync", ctypes.c_void_p),
                ("dltensor_from_py_object_no_sync", ctypes.c_void_p), ("current_work_stream", WORK_STREAM)]


assert ExchangeAPI.managed_tensor_from_py_object_no_sync.offset == 24 and ExchangeAPI.current_work_stream.offset == 48


@FROM_PY
def _export(obj, out):
    producer = ctypes.cast(obj, ctypes.py_object).value
    producer.table_exports += 1
    if producer.fail:
        return -1  # no exception set: the importer must raise one of its own
    managed = producer.managed(versioned=True)
    out[0] = ctypes.addressof(managed)
    return 0


@WORK_STREAM
def _work_stream(device_type, device_id, out):
    out[0] = None  # the default stream
    return 0


_NO_DESTRUCTOR = ctypes.cast(None, ctypes.CFUNCTYPE(None, ctypes.c_void_p))
_TABLES = []  # the tables live as long as the process, as the spec asks of producers


def exchange_type(version=(1, 2), prev=None, has_export=True, name="TableProducer"):
    """A CtypesProducer subclass whose type carries a table of `version`; `prev` chains an older table."""
    api = ExchangeAPI()
    api.header.version = DLPackVersion(*version)
    api.header.prev_api = ctypes.addressof(prev) if prev is not None else None
    if has_export:
        api.managed_tensor_from_py_object_no_sync = _export
    api.current_work_stream = _work_stream
    _TABLES.append(api)
    capsule = _capi.PyCapsule_New(ctypes.addressof(api), b"dlpack_exchange_api", _NO_DESTRUCTOR)
    return type(name, (CtypesProducer,), {"__dlpack_c_exchange_api__": capsule, "fail": False,
                                          "table_exports": 0})


def test_import_through_the_table_skips_dlpack():
    rng = np.random.default_rng(41)
    x = random_qkv(rng)[:, :, 1:]  # strided
    p = exchange_type()(x)
    dt, device, shape, strides, ptr = _C.view_info(p, "q")
    assert (dt, device, shape, ptr) == ("float32", ("cpu", 0), x.shape, x.ctypes.data)
    assert strides == tuple(s // 4 for s in x.strides)
    assert p.calls == [] and p.table_exports == 1  # neither __dlpack__ nor __dlpack_device__
    assert settle(p) == (1, 1)


def test_attention_through_the_table_equals_numpy():
    import turboattn as ta
    rng = np.random.default_rng(42)
    q, k, v = (random_qkv(rng, shape=(1, 2, 70, 16), dtype=np.float16) for _ in range(3))
    kind = exchange_type()
    producers = [kind(a) for a in (q, k, v)]
    got = ta.flashq_attention(*producers, causal=True)
    np.testing.assert_array_equal(got, ta.flashq_attention(q, k, v, causal=True))
    assert float(np.abs(got.astype(np.float32)).max()) > 0.1
    for p in producers:
        assert p.calls == [] and settle(p)[1] == p.table_exports >= 1


def test_read_only_flag_through_the_table():
    x = random_qkv(np.random.default_rng(43))
    p = exchange_type()(x, flags=1)
    assert _C.view_info(p, "q")[0] == "float32"
    with pytest.raises(ValueError, match="out is read-only"):
        _C.view_info(p, "out", writable=True)
    assert settle(p) == (2, 2)


def test_tables_we_must_not_use_leave_the_dlpack_path():
    x = random_qkv(np.random.default_rng(44))
    for kind in (exchange_type(version=(1, 1)), exchange_type(version=(2, 0)), exchange_type(has_export=False)):
        p = kind(x)
        assert _C.view_info(p, "q")[4] == x.ctypes.data
        assert len(p.calls) == 1 and p.table_exports == 0
        del p.last_capsule
        assert settle(p) == (1, 1)


def test_a_newer_table_chains_to_a_usable_one():
    x = random_qkv(np.random.default_rng(45))
    older = ExchangeAPI()
    older.header.version = DLPackVersion(1, 3)
    older.managed_tensor_from_py_object_no_sync = _export
    older.current_work_stream = _work_stream
    _TABLES.append(older)
    p = exchange_type(version=(2, 0), prev=older, has_export=False)(x)
    assert _C.view_info(p, "q")[4] == x.ctypes.data
    assert p.calls == [] and p.table_exports == 1
    assert settle(p) == (1, 1)


@pytest.mark.parametrize("case", ["bad dtype", "major version 2", "device", "export fails"])
def test_table_error_paths_delete_once(case):
    x = random_qkv(np.random.default_rng(46))
    kind = exchange_type()
    if case == "bad dtype":
        p, error, message = kind(x.astype(np.float64)), TypeError, r"q must be float16, bfloat16 or float32 \(got float64\)"
    elif case == "major version 2":
        p, error, message = kind(x, version=(2, 0)), ValueError, "DLPack 2.0 tensor; turboattn reads DLPack 1.x"
    elif case == "device":
        p, error, message = kind(x, tensor_device=(8, 0)), ValueError, r"q is on DLPack device \(8, 0\)"
    else:
        p, error, message = kind(x), BufferError, "q: the producer's DLPack export failed"
        p.fail = True
    with pytest.raises(error, match=message):
        _C.view_info(p, "q")
    assert p.calls == [] and p.table_exports == 1
    assert settle(p) == ((0, 0) if case == "export fails" else (1, 1))


def test_a_tensor_that_requires_grad_is_refused_before_export():
    """PyTorch's __dlpack__ refuses such tensors; the table path must too (and never write an output autograd
    tracks)."""
    x = random_qkv(np.random.default_rng(47))
    p = exchange_type()(x)
    p.requires_grad = True
    with pytest.raises(BufferError, match=r"out requires grad, and DLPack does not export such tensors \(pass out.detach\(\)\)"):
        _C.view_info(p, "out", True)
    assert p.table_exports == 0 and settle(p) == (0, 0)
    p.requires_grad = False
    assert _C.view_info(p, "q")[4] == x.ctypes.data
    assert settle(p) == (1, 1)


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_gpu_torch_grad_tensors_are_refused_and_out_is_left_alone():
    torch = pytest.importorskip("torch")
    import turboattn as ta
    k = torch.randn(1, 2, 200, 64, device="cuda", dtype=torch.float16)
    cache = ta.quantize_kv(k, torch.randn_like(k), bits=4)
    q = torch.randn(1, 4, 1, 64, device="cuda", dtype=torch.float16)
    with pytest.raises(BufferError, match="q requires grad"):
        ta.flashq_attention(q.clone().requires_grad_(), kv=cache)
    out = torch.full_like(q, 7.0).requires_grad_()
    with pytest.raises(BufferError, match="out requires grad"):
        ta.flashq_attention(q, kv=cache, out=out)
    torch.cuda.synchronize()
    assert bool((out.detach() == 7.0).all())


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")
def test_gpu_torch_tensors_come_through_its_table(monkeypatch):
    torch = pytest.importorskip("torch")
    if not hasattr(torch.Tensor, "__dlpack_c_exchange_api__"):
        pytest.skip(f"torch {torch.__version__} has no DLPack exchange table")
    calls = []
    original = torch.Tensor.__dlpack__
    monkeypatch.setattr(torch.Tensor, "__dlpack__", lambda self, *a, **kw: calls.append(1) or original(self, *a, **kw))
    t = torch.randn(2, 3, 5, 8, device="cuda").transpose(1, 2)
    assert _C.view_info(t, "q")[1:] == (("cuda", 0), tuple(t.shape), tuple(t.stride()), t.data_ptr())
    assert calls == []
