"""Property tests over the public functions: random shapes (odd, 1, non-multiples of 64), dtypes (right
and wrong), strides (transposed, negative, broadcast zero-stride, 64-bit offsets), NaN/Inf, empty arrays.
Every case either returns the right answer or raises TypeError/ValueError that names the argument."""
import os

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import turboattn as ta

EXAMPLES = int(os.environ.get("TURBOATTN_HYPOTHESIS_EXAMPLES", "60"))
# derandomize: the examples are drawn from a fixed seed, so CI sees the same (fresh-per-shape) inputs
# every run; TURBOATTN_HYPOTHESIS_EXAMPLES widens the sweep (3000 examples were run while writing these).
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
FLOAT_DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16]
WRONG_DTYPES = [np.float64, np.int32, np.int8, np.complex64, np.bool_, object]


@st.composite
def attention_case(draw):
    B = draw(st.integers(1, 2))
    Hkv = draw(st.integers(1, 3))
    Hq = Hkv * draw(st.integers(1, 3))
    Nq = draw(st.integers(1, 140))
    Nk = draw(st.integers(1, 140))
    D = draw(st.sampled_from([16, 32, 48, 64, 80]))
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    causal = draw(st.booleans())
    outlier = draw(st.sampled_from([1.0, 20.0]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((B, Hq, Nq, D)).astype(np.float32)
    k = rng.standard_normal((B, Hkv, Nk, D)).astype(np.float32)
    v = rng.standard_normal((B, Hkv, Nk, D)).astype(np.float32)
    k[..., rng.integers(D)] *= outlier
    return q.astype(dtype), k.astype(dtype), v.astype(dtype), causal, outlier


@SETTINGS
@given(attention_case())
def test_random_shapes_match_float64(case):
    q, k, v, causal, outlier = case
    out = ta.flashq_attention(q, k, v, causal=causal)
    assert out.shape == q.shape and out.dtype == q.dtype
    ref = ta.reference_attention(q, k, v, causal=causal)
    got = out.astype(np.float64)
    assert np.all(np.isfinite(got))
    # SPEC section 6: about 0.02 on Gaussian data and 0.10 with x20 key outliers at N=512. Over 3000
    # examples of this strategy the worst were 0.043 (Gaussian; bfloat16, 43 x 108 keys) and 0.26 (x20 on
    # one of D=16 channels, a single query row: one outlier channel sets the whole block's scale). Limits
    # are about 2x and 1.5x those; a wrong block, mask or head gives errors of order 1.
    assert ta.rel_l2(got, ref) < (0.09 if outlier == 1.0 else 0.4)


def strided_variants(x):
    """The same values as x through non-contiguous views."""
    rng = np.random.default_rng(0)
    yield "transposed", np.ascontiguousarray(x.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    flipped = np.ascontiguousarray(x[:, :, ::-1])
    yield "negative", flipped[:, :, ::-1]
    wide = np.zeros(x.shape[:3] + (2 * x.shape[3],), x.dtype)
    wide[..., ::2] = x
    yield "every-other", wide[..., ::2]
    del rng


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_strided_inputs_give_the_same_bits(dtype):
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((1, 2, 77, 32)).astype(dtype) for _ in range(3))
    base = ta.flashq_attention(q, k, v, causal=True)
    for name, kk in strided_variants(k):
        out = ta.flashq_attention(q, kk, v, causal=True)
        assert np.array_equal(out.view(np.uint8), base.view(np.uint8)), name
    # Zero strides on a dimension of size > 1 are refused (docs/DESIGN.md), with the argument named.
    broadcast_k = np.broadcast_to(k[:, :1], (1, 2, 77, 32))
    with pytest.raises(ValueError, match=r"\bk\b.*stride"):
        ta.flashq_attention(q, broadcast_k, v)


def test_offsets_beyond_32_bits(tmp_path):
    """A view whose elements sit more than 2^32 bytes apart (a sparse memory-mapped file, so no real
    memory or disk is used): 32-bit index arithmetic would read the wrong rows."""
    head_stride = 2**31 + 64  # elements of float16: 4 GiB + 128 bytes between the two heads
    shape = (1, 2, 64, 16)
    total = head_stride + 64 * 16
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        f.truncate(total * 2)
    mm = np.memmap(path, dtype=np.float16, mode="r+", shape=(total,))
    rng = np.random.default_rng(2)
    dense = rng.standard_normal(shape).astype(np.float16)
    mm[: 64 * 16] = dense[0, 0].ravel()
    mm[head_stride: head_stride + 64 * 16] = dense[0, 1].ravel()
    view = np.lib.stride_tricks.as_strided(mm, shape=shape, strides=(0, head_stride * 2, 32, 2))
    out = ta.flashq_attention(dense, view, view)
    ref = ta.flashq_attention(dense, dense, dense)
    assert np.array_equal(out.view(np.uint8), ref.view(np.uint8))
    codes, scales = ta.quantize_int8(view)
    codes_ref, scales_ref = ta.quantize_int8(dense)
    assert np.array_equal(codes, codes_ref) and np.array_equal(scales, scales_ref)
    del mm


@SETTINGS
@given(st.sampled_from(WRONG_DTYPES), st.sampled_from(["q", "k", "v"]))
def test_wrong_dtypes_raise_type_error_naming_the_argument(dtype, which):
    rng = np.random.default_rng(3)
    args = {n: rng.standard_normal((1, 1, 8, 16)).astype(np.float32) for n in "qkv"}
    args[which] = args[which].astype(dtype)
    with pytest.raises(TypeError, match=rf"\b{which}\b"):
        ta.flashq_attention(args["q"], args["k"], args["v"])


@SETTINGS
@given(st.sampled_from(["q", "k", "v"]), st.sampled_from([np.nan, np.inf, -np.inf]), st.integers(0, 8 * 16 - 1))
def test_non_finite_inputs_raise(which, bad, index):
    rng = np.random.default_rng(4)
    args = {n: rng.standard_normal((1, 1, 8, 16)).astype(np.float16) for n in "qkv"}
    args[which].reshape(-1)[index] = bad
    with pytest.raises(ValueError, match=rf"\b{which}\b"):
        ta.flashq_attention(args["q"], args["k"], args["v"])
    if which != "q":
        with pytest.raises(ValueError, match=rf"\b{which}\b"):
            ta.quantize_kv(args["k"], args["v"])


@pytest.mark.parametrize("which", ["q", "k", "v"])
@pytest.mark.parametrize("shape", [(0, 1, 8, 16), (1, 0, 8, 16), (1, 1, 0, 16), (1, 1, 8, 0)])
def test_empty_inputs_raise(which, shape):
    rng = np.random.default_rng(5)
    args = {n: rng.standard_normal((1, 1, 8, 16)).astype(np.float32) for n in "qkv"}
    args[which] = np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match=rf"\b{which}\b"):
        ta.flashq_attention(args["q"], args["k"], args["v"])


@pytest.mark.parametrize("shapes, name", [
    (((1, 3, 8, 16), (1, 2, 8, 16), (1, 2, 8, 16)), "head"),      # Hq % Hkv != 0
    (((1, 2, 8, 32), (1, 2, 8, 16), (1, 2, 8, 16)), "dim"),       # D mismatch
    (((1, 2, 8, 24), (1, 2, 8, 24), (1, 2, 8, 24)), "16"),        # D not a multiple of 16
    (((1, 2, 8, 272), (1, 2, 8, 272), (1, 2, 8, 272)), "256"),    # D > 256
    (((2, 2, 8, 16), (1, 2, 8, 16), (1, 2, 8, 16)), "batch"),     # B mismatch
    (((1, 2, 8, 16), (1, 2, 8, 16), (1, 2, 9, 16)), "v"),         # k/v length mismatch
    (((1, 2, 16), (1, 2, 8, 16), (1, 2, 8, 16)), "q"),            # rank
])
def test_mismatched_shapes_raise(shapes, name):
    rng = np.random.default_rng(6)
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    with pytest.raises(ValueError, match=name):
        ta.flashq_attention(q, k, v)


@pytest.mark.parametrize("kwargs, name", [
    ({"softmax": "fast"}, "softmax"), ({"p_scale": "col"}, "p_scale"), ({"sas_threshold": -1}, "sas_threshold"),
    ({"sas_threshold": 99}, "sas_threshold"), ({"layout": "NHD"}, "layout"), ({"sm_scale": float("nan")}, "sm_scale"),
])
def test_bad_keywords_raise(kwargs, name):
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((1, 1, 8, 16)).astype(np.float32) for _ in range(3))
    with pytest.raises((ValueError, TypeError), match=name):
        ta.flashq_attention(q, k, v, **kwargs)


def test_objects_without_buffers_raise():
    q = np.ones((1, 1, 8, 16), np.float32)
    for bad in (None, 3.0, "q", [[1.0]], object()):
        with pytest.raises(TypeError, match="q"):
            ta.flashq_attention(bad, q, q)


@st.composite
def cache_case(draw):
    B, H = draw(st.integers(1, 2)), draw(st.integers(1, 4))
    N = draw(st.integers(1, 200))
    D = draw(st.sampled_from([16, 48, 64, 96, 128]))
    bits = draw(st.one_of(st.sampled_from([2, 4, 8]), st.lists(st.sampled_from([2, 4, 8]), min_size=H, max_size=H)))
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    chunks = draw(st.lists(st.integers(1, 70), min_size=1, max_size=6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    k = rng.standard_normal((B, H, N, D)).astype(np.float32)
    k[..., rng.integers(D)] *= 20.0
    v = rng.standard_normal((B, H, N, D)).astype(np.float32)
    return k.astype(dtype), v.astype(dtype), bits, chunks


CACHE_ARRAYS = ("k_codes", "k_group_step", "k_group_zero", "k_block_scale", "v_codes", "v_group_step",
                "v_group_zero", "v_block_scale")


@SETTINGS
@given(cache_case())
def test_append_in_random_chunks_equals_one_shot(case):
    k, v, bits, chunks = case
    whole = ta.quantize_kv(k, v, bits=bits)
    B, H, N, D = k.shape
    first = min(chunks[0], N)
    grown = ta.quantize_kv(k[:, :, :first], v[:, :, :first], bits=bits)
    pos, i = first, 1
    while pos < N:
        step = chunks[i % len(chunks)]
        grown.append(k[:, :, pos:pos + step], v[:, :, pos:pos + step])
        pos, i = pos + step, i + 1
    assert grown.n_tokens == whole.n_tokens == N
    for name in CACHE_ARRAYS:
        assert np.array_equal(getattr(grown, name), getattr(whole, name)), name
    assert grown.nbytes == whole.nbytes
    kd, vd = whole.dequantize()
    # Per element, reconstruction is within half a step of the INT8 code, i.e. at most
    # (step/2 + 1/2) * block scale; a loose global bound that a wrong group or scale breaks: 60% at 2 bits.
    assert ta.rel_l2(kd, k.astype(np.float32)) < 0.6 and ta.rel_l2(vd, v.astype(np.float32)) < 0.6


@SETTINGS
@given(st.lists(st.integers(1, 9), min_size=1, max_size=4), st.integers(-4, 3), st.integers(0, 2**31),
       st.sampled_from([4, 8, 12, 24]))
def test_sas_softmax_is_a_distribution_close_to_softmax(shape, axis, seed, threshold):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * 3
    axis = axis % len(shape)
    p = np.asarray(ta.sas_softmax(x, axis=axis, threshold=threshold), dtype=np.float64)
    assert p.shape == x.shape and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, atol=1e-5)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    exact = e / e.sum(axis=axis, keepdims=True)
    # Each dropped entry is below 2^-threshold of the row max, and renormalising moves the others by at
    # most the dropped mass: at most n * 2^-threshold over a row of n; the cubic adds < 5e-4 relative.
    n = x.shape[axis]
    assert np.max(np.abs(p - exact)) < n * 2.0 ** -threshold + 2e-3
