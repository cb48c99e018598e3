"""Public functions on CPU DLPack producers that are not NumPy arrays: the result equals the NumPy one bit
for bit, and the producer's capsule is consumed by our C import (csrc/dlpack.c), not copied in Python."""
import ml_dtypes
import numpy as np
import pytest

import turboattn as ta


class Producer:
    """Only the DLPack protocol: no shape, no dtype, no buffer protocol. Counts exports."""

    def __init__(self, array):
        self._array = array
        self.exports = 0

    def __dlpack__(self, **kwargs):
        self.exports += 1
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_attention_on_a_bare_dlpack_producer(dtype):
    rng = np.random.default_rng(11)
    q, k, v = (rng.standard_normal((1, 2, 70, 32)).astype(dtype) for _ in range(3))
    expected = ta.flashq_attention(q, k, v, causal=True)
    pq, pk, pv = Producer(q), Producer(k), Producer(v)
    got = ta.flashq_attention(pq, pk, pv, causal=True)
    assert isinstance(got, np.ndarray) and got.dtype == q.dtype
    assert np.array_equal(got.view(np.uint8), expected.view(np.uint8))
    assert pq.exports >= 1 and pk.exports >= 1 and pv.exports >= 1


def test_cache_and_int8_on_a_bare_dlpack_producer():
    rng = np.random.default_rng(12)
    k, v = (rng.standard_normal((1, 2, 100, 64)).astype(np.float16) for _ in range(2))
    codes, scales = ta.quantize_int8(Producer(k))
    ref_codes, ref_scales = ta.quantize_int8(k)
    assert np.array_equal(codes, ref_codes) and np.array_equal(scales, ref_scales)
    cache = ta.quantize_kv(Producer(k), Producer(v), bits=4)
    assert np.array_equal(cache.k_codes, ta.quantize_kv(k, v, bits=4).k_codes)


def test_bfloat16_numpy_inputs():
    rng = np.random.default_rng(13)
    q, k, v = (rng.standard_normal((1, 2, 70, 32)).astype(ml_dtypes.bfloat16) for _ in range(3))
    out = ta.flashq_attention(q, k, v)
    assert out.dtype == q.dtype
    ref = ta.reference_attention(q, k, v)
    assert ta.rel_l2(out.astype(np.float64), ref) < 0.05
