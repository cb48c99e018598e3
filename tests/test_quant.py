"""SPEC section 1 and section 4 on the CPU: the C path against the NumPy model in tests/ref_quant.py, bit for
bit, plus reconstruction bounds, incremental append, byte accounting and argument errors."""
import types

import ml_dtypes
import numpy as np
import pytest

import ref_quant as ref
from turboattn import _C
from turboattn.kv import QuantizedKV, quantize_int8, quantize_kv

DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}
ARRAYS = ("bits", "k_head_off", "v_head_off", "k_codes", "k_group_step", "k_group_zero", "k_block_scale",
          "v_codes", "v_group_step", "v_group_zero", "v_block_scale")


def make(shape, dtype="float16", seed=0, outliers=True, scale=1.0):
    """Gaussian data with, by default, three channels scaled x20 (the key-outlier pattern)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32) * np.float32(scale)
    if outliers:
        channels = rng.choice(shape[-1], size=min(3, shape[-1]), replace=False)
        x[..., channels] *= 20
    return x.astype(DTYPES[dtype])


def assert_matches_model(kv, model):
    for name in ARRAYS:
        got, want = getattr(kv, name), model[name]
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    r = kv.n_residual
    np.testing.assert_array_equal(kv.residual_k[:, :, :r], model["residual_k"])
    np.testing.assert_array_equal(kv.residual_v[:, :, :r], model["residual_v"])


# ---- stage 1 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("D", [16, 64, 96, 128, 256])
def test_int8_codes_and_scales_match_model(dtype, D):
    x = make((2, 3, 131, D), dtype, seed=D)
    codes, scales = quantize_int8(x)
    want_codes, want_scales = ref.stage1(x, 64)
    assert codes.dtype == np.int8 and codes.shape == x.shape
    assert scales.dtype == np.float32 and scales.shape == (2, 3, 3)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(scales, want_scales)
    assert codes.min() >= -127 and np.abs(codes).max() == 127


def test_int8_strided_input_block_size_and_error_bound():
    x = make((1, 40, 2, 64), "float32", seed=3)
    view = np.transpose(x, (0, 2, 1, 3))  # BNHD seen as BHND: strides only
    codes, scales = quantize_int8(view, block=16)
    want_codes, want_scales = ref.stage1(np.ascontiguousarray(view), 16)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(scales, want_scales)
    # Rounding to the nearest code: |code * scale - x| <= scale / 2 (plus float32 slack).
    per_row = np.repeat(scales, 16, axis=2)[:, :, :40, None]
    err = np.abs(codes * per_row.astype(np.float64) - view)
    assert np.all(err <= per_row * (0.5 + 1e-5))


def test_int8_zero_and_subnormal_blocks():
    x = make((1, 1, 192, 16), "float32", seed=4)
    x[:, :, 64:128] = 0
    x[:, :, 128:] = np.float32(1e-39)  # float32 subnormal: 127 / amax would overflow
    codes, scales = quantize_int8(x)
    assert scales[0, 0, 0] > 0 and scales[0, 0, 1] == 0 and scales[0, 0, 2] == 0
    assert not codes[:, :, 64:].any()
    np.testing.assert_array_equal(codes, ref.stage1(x, 64)[0])


# ---- stage 2: bit-exact against the model ------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("D", [16, 64, 96, 128, 256])
@pytest.mark.parametrize("bits", [2, 4, 8, "mixed"])
def test_kv_arrays_match_model(dtype, D, bits):
    B, H, N = 2, 3, 131  # two blocks and a residual of 3
    k = make((B, H, N, D), dtype, seed=D + 1)
    v = make((B, H, N, D), dtype, seed=D + 2, outliers=False)
    head_bits = [2, 8, 4] if bits == "mixed" else [bits] * H
    kv = quantize_kv(k, v, bits=head_bits)
    assert (kv.n_tokens, kv.n_blocks, kv.n_residual) == (N, 2, 3)
    assert kv.dtype == np.dtype(DTYPES[dtype])
    assert_matches_model(kv, ref.quantize_kv(k, v, head_bits))


@pytest.mark.parametrize("block", [8, 32, 128])
def test_kv_other_block_sizes_and_odd_head_dim(block):
    k = make((1, 2, 300, 40), "float32", seed=block)  # D = 40: one short value group of 40 channels
    v = make((1, 2, 300, 40), "float32", seed=block + 1, outliers=False)
    kv = quantize_kv(k, v, bits=[4, 2], block=block)
    assert kv.block == block and kv.n_blocks == 300 // block
    model = ref.quantize_kv(k, v, [4, 2], block)
    assert_matches_model(kv, model)
    for got, want in zip(kv.dequantize(), ref.dequantize(model, block)):
        np.testing.assert_array_equal(got, want)


def test_reconstruction_is_model_and_within_half_a_step():
    k = make((2, 4, 256, 128), "float16", seed=11)
    v = make((2, 4, 256, 128), "float16", seed=12, outliers=False)
    for bits in (2, 4, 8):
        kv = quantize_kv(k, v, bits=bits)
        model = ref.quantize_kv(k, v, [bits] * 4)
        k8, v8 = _C.kv_reconstruct_int8(kv)
        np.testing.assert_array_equal(k8, model["k_hat"])
        np.testing.assert_array_equal(v8, model["v_hat"])
        # Round half up onto the grid: |x̂ - x| <= floor(s / 2) per group, and 8 bits are lossless.
        k_step = np.repeat(kv.k_group_step.transpose(2, 1, 0, 3), 64, axis=2).astype(np.int64)
        nb, H, B, block, G = kv.v_group_step.shape
        v_step = kv.v_group_step.transpose(2, 1, 0, 3, 4).reshape(B, H, nb * block, G)
        v_step = np.repeat(v_step, 64, axis=3).astype(np.int64)
        assert np.all(np.abs(k8.astype(np.int64) - model["k_int8"]) <= k_step // 2)
        assert np.all(np.abs(v8.astype(np.int64) - model["v_int8"]) <= v_step // 2)
        if bits == 8:
            np.testing.assert_array_equal(k8, model["k_int8"])
            assert np.all(kv.k_group_step == 1)


def test_dequantize_error_by_bits():
    """Relative L2 of the float reconstruction (measured over seeds 5, 9, 21 at this shape: keys with x20
    outlier channels 0.043 / 0.100 / 0.468 at 8 / 4 / 2 bits, values without outliers 0.009 / 0.095 / 0.454;
    the outliers set each block's INT8 scale, so keys lose more at stage 1)."""
    k = make((1, 4, 512, 128), "float32", seed=21)
    v = make((1, 4, 512, 128), "float32", seed=22, outliers=False)
    errors = {}
    for bits in (8, 4, 2):
        kd, vd = quantize_kv(k, v, bits=bits).dequantize()
        errors[bits] = [np.linalg.norm(a - x) / np.linalg.norm(x) for a, x in ((kd, k), (vd, v))]
    assert errors[8][0] < 0.055 and errors[8][1] < 0.012
    assert errors[4][0] < 0.125 and errors[4][1] < 0.12
    assert errors[2][0] < 0.56 and errors[2][1] < 0.55
    assert errors[8][0] < errors[4][0] < errors[2][0]


def test_dequantize_keeps_residual_rows_and_matches_model():
    k = make((1, 2, 100, 64), "bfloat16", seed=5)
    v = make((1, 2, 100, 64), "bfloat16", seed=6)
    kv = quantize_kv(k, v, bits=4)
    kd, vd = kv.dequantize()
    assert kd.dtype == np.float32 and kd.shape == kv.shape == (1, 2, 100, 64)
    np.testing.assert_array_equal(kd[:, :, 64:], k[:, :, 64:].astype(np.float32))
    want_k, want_v = ref.dequantize(ref.quantize_kv(k, v, [4, 4]))
    np.testing.assert_array_equal(kd, want_k)
    np.testing.assert_array_equal(vd, want_v)


# ---- mixed precision ------------------------------------------------------------------------------------

@pytest.mark.parametrize("frac", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_mixed_rule_matches_model(frac):
    H = 8
    k = make((2, H, 200, 64), "float16", seed=31)
    v = make((2, H, 200, 64), "float16", seed=32, outliers=False)
    # Make the heads differ: some heads get heavier outliers (worse at 2 bits).
    k[:, 1] = (k[:, 1].astype(np.float32) * np.linspace(1, 8, 64, dtype=np.float32)).astype(np.float16)
    k[:, 6, :, :4] *= np.float16(5)
    kv = quantize_kv(k, v, frac_2bit=frac)
    want = ref.mixed_bits(k, v, frac)
    np.testing.assert_array_equal(kv.bits, want)
    assert int((kv.bits == 2).sum()) == int(np.floor(frac * H + 0.5))
    assert_matches_model(kv, ref.quantize_kv(k, v, want))


def test_mixed_rule_ties_and_short_input():
    # Fewer tokens than a block: no compressed block to measure, every head ties, lower indices win.
    k = make((1, 4, 10, 64), "float32", seed=33)
    kv = quantize_kv(k, k, frac_2bit=0.5)
    assert kv.bits.tolist() == [2, 2, 4, 4]
    # round half up: 0.5 * 3 = 1.5 -> 2 heads.
    kv3 = quantize_kv(k[:, :3], k[:, :3], frac_2bit=0.5)
    assert kv3.bits.tolist() == [2, 2, 4]


# ---- append ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_append_one_token_at_a_time_equals_one_shot(dtype):
    B, H, N, D = 1, 3, 150, 64
    k = make((B, H, N, D), dtype, seed=41)
    v = make((B, H, N, D), dtype, seed=42, outliers=False)
    bits = [4, 2, 8]
    once = quantize_kv(k, v, bits=bits)
    grown = QuantizedKV(B, H, D, bits=bits, dtype=dtype)
    before = None
    for t in range(N):
        grown.append(k[:, :, t: t + 1], v[:, :, t: t + 1])
        if t == 63:
            before = grown.k_codes.copy()
    np.testing.assert_array_equal(grown.k_codes[:1], before)  # old blocks untouched
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(grown, name), getattr(once, name), err_msg=name)
    np.testing.assert_array_equal(grown.residual_k[:, :, :grown.n_residual], once.residual_k[:, :, :once.n_residual])
    assert grown.nbytes == once.nbytes and grown.n_tokens == N


def test_append_in_uneven_chunks_and_bnhd_layout():
    B, H, N, D = 2, 2, 333, 128
    k = make((B, N, H, D), "float16", seed=43)  # BNHD
    v = make((B, N, H, D), "float16", seed=44, outliers=False)
    once = quantize_kv(k, v, bits=4, layout="BNHD")
    bhnd = quantize_kv(np.ascontiguousarray(k.transpose(0, 2, 1, 3)), np.ascontiguousarray(v.transpose(0, 2, 1, 3)))
    grown = quantize_kv(k[:, :5], v[:, :5], bits=4, layout="BNHD")
    edges = [5, 70, 71, 200, 264, 333]
    for a, b in zip(edges, edges[1:]):
        grown.append(k[:, a:b], v[:, a:b], layout="BNHD")
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(grown, name), getattr(once, name), err_msg=name)
        np.testing.assert_array_equal(getattr(bhnd, name), getattr(once, name), err_msg=name)
    for a, b in zip(grown.dequantize(), once.dequantize()):
        np.testing.assert_array_equal(a, b)


def test_thread_count_does_not_change_results(monkeypatch):
    k = make((2, 4, 256, 64), "float16", seed=45)
    monkeypatch.setenv("TURBOATTN_NUM_THREADS", "1")
    one = quantize_kv(k, k, bits=[2, 4, 8, 4])
    monkeypatch.setenv("TURBOATTN_NUM_THREADS", "7")
    many = quantize_kv(k, k, bits=[2, 4, 8, 4])
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name), err_msg=name)


# ---- accounting -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("N", [1, 64, 100, 1024])
@pytest.mark.parametrize("bits", [[4, 4, 4, 4], [2, 2, 2, 2], [2, 4, 2, 4], [8, 8, 8, 8]])
def test_nbytes_counts_every_used_byte(N, bits):
    k = make((2, 4, N, 128), "float16", seed=N)
    kv = quantize_kv(k, k, bits=bits)
    assert kv.nbytes == ref.nbytes(2, 4, N, 128, bits, 2)
    assert kv.compression_ratio == pytest.approx(2 * 2 * 4 * N * 128 * 2 / kv.nbytes, rel=1e-12)


def test_compression_ratios_at_d128():
    # Per (block, head, batch) at D=128: 4-bit keys 4096 B + 128 (s, z) pairs + scale; values 64 tokens of
    # 64 B + 2 (s, z) pairs, + scale -> 8712 B against 32768 B of FP16: 3.761x. 2-bit: 4616 B -> 7.099x.
    k = make((1, 8, 4096, 128), "float16", seed=51, outliers=False)
    ratio4 = quantize_kv(k, k, bits=4).compression_ratio
    ratio2 = quantize_kv(k, k, bits=2).compression_ratio
    mixed = quantize_kv(k, k, frac_2bit=0.5)
    assert ratio4 == pytest.approx(32768 / 8712, rel=2e-4)   # 3.761
    assert ratio2 == pytest.approx(32768 / 4616, rel=2e-4)   # 7.099
    assert mixed.compression_ratio == pytest.approx(32768 / ((8712 + 4616) / 2), rel=2e-4)  # 4.917
    assert 3.7 < ratio4 < 3.8 and 4.9 < mixed.compression_ratio < 4.95


def test_repr_and_metadata():
    kv = quantize_kv(make((1, 2, 70, 64), "float32"), make((1, 2, 70, 64), "float32"), bits=[4, 2])
    text = repr(kv)
    assert "n_tokens=70" in text and "bits=[4, 2]" in text and "float32" in text
    assert (kv.B, kv.H, kv.D, kv.G, kv.block) == (1, 2, 64, 1, 64)
    assert kv.bits.dtype == np.uint8 and not kv.k_codes.flags.writeable
    empty = QuantizedKV(1, 2, 64, dtype="bfloat16")
    assert empty.n_tokens == 0 and empty.dequantize()[0].shape == (1, 2, 0, 64)


# ---- errors ---------------------------------------------------------------------------------------------

K = make((1, 2, 70, 64), "float16", seed=61)


def _nan():
    x = K.copy()
    x[0, 1, 69, 3] = np.nan
    return x


def _inf():
    x = K.copy()
    x[0, 0, 2, 0] = -np.inf
    return x


BAD_CALLS = [
    (lambda: quantize_kv(K.astype(np.float64), K), TypeError, "k must be float16, bfloat16 or float32"),
    (lambda: quantize_kv(K, K.astype(np.int8)), TypeError, "v must be float16"),
    (lambda: quantize_kv(K.tolist(), K), TypeError, "k must be a NumPy array"),
    (lambda: quantize_kv(K[0], K[0]), ValueError, "k must be 4-D"),
    (lambda: quantize_kv(K, K.astype(np.float32)), TypeError, "v must have the same dtype as k"),
    (lambda: quantize_kv(K, K[:, :, :60]), ValueError, "v must have the same shape as k"),
    (lambda: quantize_kv(K, K, bits=3), ValueError, "bits must be 2, 4 or 8"),
    (lambda: quantize_kv(K, K, bits=[4, 4, 4]), ValueError, "bits must have one entry per KV head (got 3"),
    (lambda: quantize_kv(K, K, bits=[4, 16]), ValueError, "bits[1] must be 2, 4 or 8 (got 16)"),
    (lambda: quantize_kv(K, K, bits="4"), TypeError, "bits must be an int"),
    (lambda: quantize_kv(K, K, frac_2bit=1.5), ValueError, "frac_2bit must be in [0, 1] (got 1.5)"),
    (lambda: quantize_kv(K, K, frac_2bit=-0.1), ValueError, "frac_2bit must be in [0, 1]"),
    (lambda: quantize_kv(K, K, frac_2bit="half"), TypeError, "frac_2bit must be a float"),
    (lambda: quantize_kv(K, K, bits=2, frac_2bit=0.5), ValueError, "either bits or frac_2bit"),
    (lambda: quantize_kv(K, K, block=60), ValueError, "block must be a positive multiple of 8 (got 60)"),
    (lambda: quantize_kv(K, K, block=0), ValueError, "block must be a positive multiple of 8 (got 0)"),
    (lambda: quantize_kv(K, K, block=64.0), TypeError, "block must be an int"),
    (lambda: quantize_kv(K, K, layout="NHD"), ValueError, "layout must be 'BHND' or 'BNHD' (got 'NHD')"),
    (lambda: quantize_kv(_nan(), K), ValueError, "k contains NaN at index [0, 1, 69, 3]"),
    (lambda: quantize_kv(K, _inf()), ValueError, "v contains -Inf"),
    (lambda: quantize_kv(K[:, :, :0], K[:, :, :0]), ValueError, "k must not be empty"),
    (lambda: quantize_int8(K, block=12), ValueError, "block must be a positive multiple of 8 (got 12)"),
    (lambda: quantize_int8(_nan()), ValueError, "x contains NaN"),
    (lambda: quantize_int8(np.zeros((1, 1, 0, 8), np.float32)), ValueError, "x must not be empty"),
    (lambda: quantize_int8(K.astype(np.int32)), TypeError, "x must be float16, bfloat16 or float32 (got int32)"),
    (lambda: quantize_kv(K, K).append(K[:, :1], K[:, :1, :1]), ValueError, "v_new must have the same shape"),
    (lambda: quantize_kv(K, K).append(K.astype(np.float32), K.astype(np.float32)), TypeError,
     "k_new must have the cache's dtype (got float32, expected float16)"),
    (lambda: quantize_kv(K, K).append(K[:, :1], K[:, :1]), ValueError, "k_new must have the cache's B, H, D"),
    (lambda: quantize_kv(K, K).append(K[..., :32], K[..., :32]), ValueError, "expected B=1, H=2, D=64"),
    (lambda: quantize_kv(K, K).append(_nan(), K), ValueError, "k_new contains NaN"),
    (lambda: QuantizedKV(1, 0, 64), ValueError, "H must be positive (got 0)"),
    (lambda: QuantizedKV(1, 2, 64, dtype="int8"), TypeError, "dtype must be float16, bfloat16 or float32"),
]


@pytest.mark.parametrize("call,exc,message", BAD_CALLS, ids=[m for _, _, m in BAD_CALLS])
def test_bad_input_raises_naming_the_argument(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert message in str(info.value)


def test_failed_append_leaves_cache_unchanged():
    kv = quantize_kv(K, K)
    before = (kv.n_tokens, kv.k_codes.copy(), kv.residual_k.copy())
    with pytest.raises(ValueError):
        kv.append(np.concatenate([K, _nan()], axis=2), np.concatenate([K, K], axis=2))
    assert kv.n_tokens == before[0]
    np.testing.assert_array_equal(kv.k_codes, before[1])
    np.testing.assert_array_equal(kv.residual_k, before[2])


def _storage(kv, **changes):
    """A plain object carrying a QuantizedKV's attributes, with some replaced."""
    names = ARRAYS + ("B", "H", "D", "block", "n_blocks", "n_residual", "residual_k", "residual_v")
    fields = {name: getattr(kv, name) for name in names}
    fields.update(changes)
    return types.SimpleNamespace(**fields)


def test_kv_reader_rejects_inconsistent_objects():
    kv = quantize_kv(K, K, bits=[4, 2])
    k8, _ = _C.kv_reconstruct_int8(_storage(kv))
    assert k8.shape == (1, 2, 64, 64)
    bad = [
        (dict(k_codes=kv.k_codes[:, :-1]), ValueError, "kv.k_codes must have shape"),
        (dict(bits=np.array([4, 3], np.uint8)), ValueError, "kv.bits[1] must be 2, 4 or 8 (got 3)"),
        (dict(bits=np.array([2, 4], np.uint8)), ValueError, "disagree with kv.bits at head 1"),
        (dict(v_group_zero=kv.v_group_zero.astype(np.uint8)), TypeError, "kv.v_group_zero must be"),
        (dict(n_blocks=5), ValueError, "kv.n_blocks (5) exceeds"),
        (dict(n_residual=64), ValueError, "kv.n_residual must be in [0, 63] (got 64)"),
        (dict(block=12), ValueError, "kv.block must be a multiple of 8"),
        (dict(D="64"), TypeError, "kv.D must be an integer"),
        (dict(residual_v=kv.residual_v[:, :, :8]), ValueError, "kv.residual_v must have shape"),
        (dict(residual_v=kv.residual_v.astype(np.float32)), TypeError, "kv.residual_v must have the dtype"),
    ]
    for change, exc, message in bad:
        with pytest.raises(exc) as info:
            _C.kv_reconstruct_int8(_storage(kv, **change))
        assert message in str(info.value), (change, str(info.value))
    with pytest.raises(AttributeError):
        _C.kv_reconstruct_int8(object())


def test_compress_binding_checks_bounds_and_writeability():
    kv = QuantizedKV(1, 2, 64, bits=4)
    kv._reserve(1)
    store = kv._store
    with pytest.raises(ValueError, match="must lie in the 1 allocated blocks"):
        _C.kv_compress(store, K, K, 0, 2, 0)
    with pytest.raises(ValueError, match="k has 70 rows, fewer than"):
        _C.kv_compress(store, K, K, 0, 1, 10)
    with pytest.raises(TypeError, match="writeable"):
        _C.kv_compress(kv, K, K, 0, 1, 0)  # the public attributes are read-only views
