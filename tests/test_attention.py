"""FlashQ attention on the CPU (SPEC sections 2, 3, 5): agreement with the independent model of the spec in
tests/ref_attention.py, accuracy against float64 attention on the unquantized inputs, bit-identical SIMD
levels, layouts, the compressed-cache path, and argument errors."""
import re

import numpy as np
import pytest

import ml_dtypes
import ref_attention as model
import ref_quant
from turboattn import _C
from turboattn.attention import flashq_attention
from turboattn.kv import quantize_kv
from turboattn.metrics import cosine, max_abs, rel_l2
from turboattn.reference import reference_attention

DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}
SIMD_LEVELS = list(range(_C._attn_simd() + 1))  # 0 portable, 1 AVX2, 2 AVX-512, as far as this CPU goes


def make_qkv(seed, B, Hq, Hkv, Nq, Nk, D, dtype="float32", outliers=0):
    """Gaussian q, k, v; `outliers` key channels scaled x20 (the KIVI observation the spec builds on)."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((B, Hq, Nq, D)).astype(np.float32)
    k = rng.standard_normal((B, Hkv, Nk, D)).astype(np.float32)
    v = rng.standard_normal((B, Hkv, Nk, D)).astype(np.float32)
    if outliers:
        k[..., rng.choice(D, outliers, replace=False)] *= 20.0
    return tuple(x.astype(DTYPES[dtype]) for x in (q, k, v))


def as64(x):
    return np.asarray(x).astype(np.float64)


def model_out(q, k, v, **kw):
    """The spec model's output rounded to q's dtype (the C path stores in the input dtype)."""
    out, lse = model.spec_attention(q, k, v, coeffs=_C.SAS_COEFFS, **kw)
    return as64(out.astype(q.dtype)), lse


# ---- agreement with the independent model of the spec -----------------------------------------------

CASES = [
    # B, Hq, Hkv, Nq, Nk, D, causal
    (1, 2, 2, 96, 96, 64, False),
    (2, 4, 2, 100, 130, 64, True),    # GQA, Nk > Nq, N not a multiple of 64
    (1, 4, 1, 150, 70, 128, True),    # Nq > Nk causal: the first 80 rows see no key
    (1, 2, 1, 70, 200, 128, False),
    (1, 1, 1, 33, 65, 16, True),
    (1, 1, 1, 40, 90, 256, False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "B{}-H{}/{}-N{}x{}-D{}-{}".format(*c[:6], "causal" * c[6]))
@pytest.mark.parametrize("p_scale", ["row", "fixed"])
def test_exact_softmax_matches_spec_model(case, p_scale):
    B, Hq, Hkv, Nq, Nk, D, causal = case
    q, k, v = make_qkv(1, B, Hq, Hkv, Nq, Nk, D, outliers=3)
    out, lse = flashq_attention(q, k, v, causal=causal, softmax="exact", p_scale=p_scale, return_lse=True)
    ref, ref_lse = model_out(q, k, v, causal=causal, exact=True, p_scale=p_scale)
    # The model runs the statistics in float64; measured 5e-8 .. 3e-7.
    assert rel_l2(out, ref) < 1e-5
    live = np.isfinite(ref_lse)
    assert np.array_equal(np.isfinite(lse), live)
    assert max_abs(lse[live], ref_lse[live]) < 1e-4


@pytest.mark.parametrize("case", CASES[:4], ids=lambda c: "N{}x{}-D{}".format(*c[3:6]))
@pytest.mark.parametrize("p_scale", ["row", "fixed"])
def test_sas_softmax_matches_spec_model(case, p_scale):
    B, Hq, Hkv, Nq, Nk, D, causal = case
    q, k, v = make_qkv(2, B, Hq, Hkv, Nq, Nk, D, outliers=3)
    out = flashq_attention(q, k, v, causal=causal, p_scale=p_scale)
    ref, _ = model_out(q, k, v, causal=causal, exact=False, p_scale=p_scale)
    # SAS rounds t to float16 and cuts at 2^-8, so a float32/float64 difference in t can move a P code by
    # one step at those edges; measured up to 4e-5.
    assert rel_l2(out, ref) < 3e-4


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("softmax", ["exact", "sas"])
def test_half_dtypes_match_spec_model(dtype, softmax):
    q, k, v = make_qkv(3, 1, 4, 2, 130, 150, 64, dtype=dtype, outliers=2)
    out = flashq_attention(q, k, v, causal=True, softmax=softmax)
    assert out.dtype == q.dtype and out.shape == q.shape
    ref, _ = model_out(q, k, v, causal=True, exact=softmax == "exact")
    # Both rounded to the half dtype: only outputs on a rounding edge differ, by one ulp.
    assert rel_l2(out, ref) < (2e-4 if dtype == "float16" else 1.5e-3)


def test_fully_masked_rows_are_zero_with_minus_inf_lse():
    q, k, v = make_qkv(4, 1, 2, 2, 100, 30, 64)
    out, lse = flashq_attention(q, k, v, causal=True, return_lse=True)
    masked = 100 - 30  # query i sees keys j <= i - 70
    assert np.all(out[:, :, :masked] == 0) and np.all(np.isneginf(lse[:, :, :masked]))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(lse[:, :, masked:]))
    assert np.abs(out[:, :, masked:]).max() > 0.1


def test_lse_matches_float64_logsumexp():
    q, k, v = make_qkv(5, 1, 2, 2, 64, 200, 64)
    _, lse = flashq_attention(q, k, v, softmax="exact", return_lse=True)
    s = np.einsum("bhid,bhjd->bhij", as64(q), as64(k)) / np.sqrt(64)
    ref = np.log(np.exp(s - s.max(-1, keepdims=True)).sum(-1)) + s.max(-1)
    assert lse.dtype == np.float32 and lse.shape == (1, 2, 64)
    assert max_abs(lse, ref) < 0.05  # INT8 scores; measured 0.012


def test_bnhd_layout_reads_transposed_views():
    q, k, v = make_qkv(6, 2, 4, 2, 70, 90, 64, outliers=2)
    want = flashq_attention(q, k, v, causal=True)
    qt, kt, vt = (np.ascontiguousarray(x.transpose(0, 2, 1, 3)) for x in (q, k, v))
    got = flashq_attention(qt, kt, vt, causal=True, layout="BNHD")
    assert got.shape == qt.shape
    assert np.array_equal(got.transpose(0, 2, 1, 3), want)


def test_strided_inputs_and_out_argument():
    q, k, v = make_qkv(7, 1, 2, 2, 64, 64, 64)
    want = flashq_attention(q, k, v)
    big = np.zeros((1, 2, 64, 128), np.float32)
    big[..., ::2] = q  # a non-contiguous view of q
    out = np.full_like(q, np.nan)
    result = flashq_attention(big[..., ::2], k, v, out=out)
    assert result is out and np.array_equal(out, want)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("softmax", ["exact", "sas"])
@pytest.mark.parametrize("options", [{}, {"qk_scale": "token", "k_smooth": True, "qk_equalize": True}],
                         ids=["spec", "options"])
def test_simd_levels_are_bit_identical(causal, softmax, options):
    q, k, v = make_qkv(8, 1, 4, 2, 150, 170, 128, outliers=3)
    previous = _C._attn_simd()
    try:
        outs = []
        for level in SIMD_LEVELS:
            _C._attn_simd(level)
            outs.append(flashq_attention(q, k, v, causal=causal, softmax=softmax, return_lse=True, **options))
    finally:
        _C._attn_simd(previous)
    for out, lse in outs[1:]:
        assert np.array_equal(out, outs[0][0]) and np.array_equal(lse, outs[0][1])


def test_thread_count_does_not_change_results():
    q, k, v = make_qkv(9, 2, 2, 2, 200, 200, 64)
    outs = []
    for n_threads in (1, 3):
        out = np.empty_like(q)
        _C.attention(q, k, v, out, None, 0.125, True, False, 8, False, 64, 64, n_threads)
        outs.append(out)
    assert np.array_equal(outs[0], outs[1])


def test_block_size_is_part_of_the_numerics():
    q, k, v = make_qkv(10, 1, 2, 2, 100, 100, 64, outliers=2)
    out = flashq_attention(q, k, v, block=32, softmax="exact")
    ref, _ = model.spec_attention(q, k, v, exact=True, block_q=32, block_k=32)
    assert rel_l2(out, ref) < 1e-5
    assert rel_l2(out, flashq_attention(q, k, v, softmax="exact")) > 1e-4  # differs from block=64


# ---- accuracy against float64 attention on the unquantized inputs ------------------------------------

# N=512, D=128, 4 heads, seed 11, default options (SAS, threshold 8, per-row P scale). Measured on this data:
# rel L2, rel L2 of the plain-FP16 emulation, cosine; thresholds leave ~20% margin. For scale: SPEC 6 quotes
# ~0.018 / ~0.10 / ~0.03 for exact EXP2 with a fixed P scale (measured here 0.0179 / 0.0905 / 0.0318).
ACCURACY = {
    #             sm_scale          outliers  rel_l2  x FP16 err  cosine     measured (rel, FP16, ratio, cos)
    "gaussian": (None,              0,        0.021,  50,         0.9997),  # 0.0177, 0.00046, 38.9, 0.99984
    "outlier": (None,               4,        0.115,  110,        0.994),   # 0.0955, 0.00108, 88.5, 0.99589
    "peaked": (4 / np.sqrt(128),    0,        0.046,  65,         0.999),   # 0.0386, 0.00073, 53.1, 0.99950
}


@pytest.mark.parametrize("dist", list(ACCURACY))
def test_accuracy_against_float64(dist):
    scale, outliers, max_rel, max_ratio, min_cos = ACCURACY[dist]
    q, k, v = make_qkv(11, 1, 4, 4, 512, 512, 128, outliers=outliers)
    ref = reference_attention(q, k, v, sm_scale=scale)
    fp16_err = rel_l2(reference_attention(q, k, v, sm_scale=scale, dtype="float16"), ref)
    out = flashq_attention(q, k, v, sm_scale=scale)
    err = rel_l2(out, ref)
    assert err < max_rel
    assert err < max_ratio * fp16_err  # the tolerance stated against plain FP16 attention's own error
    assert cosine(out, ref) > min_cos
    per_head = rel_l2(out, ref, axis=(0, 2, 3))
    assert per_head.shape == (4,) and per_head.max() < 1.25 * max_rel


@pytest.mark.parametrize("dist", list(ACCURACY))
def test_sas_cubic_adds_little_over_exact(dist):
    """The cubic alone (threshold 24: nothing dropped) moves the output by <= 5e-3 (measured 1.6e-3,
    4e-4, 4e-4). The default threshold 8 also drops P < 2^-8 of the running maximum, which with per-row
    P scales is not free on spread or long rows (measured 6.4e-3 Gaussian, 2.8e-2 outlier, 2.2e-2 peaked;
    see docs/DESIGN.md, "SAS threshold and per-row P scales")."""
    scale, outliers = ACCURACY[dist][:2]
    q, k, v = make_qkv(11, 1, 4, 4, 512, 512, 128, outliers=outliers)
    exact = flashq_attention(q, k, v, sm_scale=scale, softmax="exact")
    assert rel_l2(flashq_attention(q, k, v, sm_scale=scale, sas_threshold=24), exact) < 5e-3
    limit = {"gaussian": 8e-3, "outlier": 3.5e-2, "peaked": 2.8e-2}[dist]
    assert rel_l2(flashq_attention(q, k, v, sm_scale=scale), exact) < limit


# ---- attention on a compressed cache (SPEC section 5) -------------------------------------------------

def kv_model(q, k, v, bits, block, **kw):
    """SPEC 5 from independent models: ref_quant's integer reconstruction of the compressed blocks, the
    residual as one stage-1 block, q one row per block, then the SPEC 2 model on codes."""
    B, H, N, D = k.shape
    n_full = N // block * block
    k8, v8, ks, vs = [], [], [], []
    if n_full:
        cache = ref_quant.quantize_kv(k, v, bits, block=block)
        k8.append(cache["k_hat"]), v8.append(cache["v_hat"])
        ks.append(cache["k_block_scale"].transpose(2, 1, 0)), vs.append(cache["v_block_scale"].transpose(2, 1, 0))
    if N > n_full:
        for x, codes, scales in ((k, k8, ks), (v, v8, vs)):
            c, s = model.quantize_int8_blocks(x[:, :, n_full:], block)
            codes.append(c), scales.append(s)
    q8, q_scale = model.quantize_int8_blocks(q, 1)
    return model.attention_on_codes(q8, q_scale, np.concatenate(k8, 2), np.concatenate(ks, 2), np.concatenate(v8, 2),
                                    np.concatenate(vs, 2), block_k=block, coeffs=_C.SAS_COEFFS, **kw)


KV_CASES = [
    # Hq, Hkv, Nq, Nk, D, bits, block, causal
    (4, 2, 1, 200, 128, 4, 64, False),     # decode, GQA, residual of 8
    (2, 2, 5, 130, 64, [2, 4], 64, True),  # mixed heads
    (2, 1, 70, 64, 96, 8, 64, True),       # D not a multiple of 64; Nq > Nk
    (2, 1, 3, 77, 64, 2, 32, True),        # another block size
    (1, 1, 2, 40, 64, 4, 64, False),       # residual only
]


@pytest.mark.parametrize("case", KV_CASES, ids=lambda c: "H{}/{}-N{}x{}-D{}-b{}".format(*c[:5], c[5]))
@pytest.mark.parametrize("softmax", ["exact", "sas"])
def test_kv_cache_attention_matches_model(case, softmax):
    Hq, Hkv, Nq, Nk, D, bits, block, causal = case
    q, k, v = make_qkv(12, 2, Hq, Hkv, Nq, Nk, D, outliers=2)
    bits_list = [bits] * Hkv if isinstance(bits, int) else bits
    kv = quantize_kv(k, v, bits=bits, block=block)
    out, lse = flashq_attention(q, kv=kv, causal=causal, softmax=softmax, return_lse=True)
    ref, ref_lse = kv_model(q, k, v, bits_list, block, causal=causal, exact=softmax == "exact")
    assert rel_l2(out, ref) < (1e-5 if softmax == "exact" else 3e-4)
    live = np.isfinite(ref_lse)
    assert np.array_equal(np.isfinite(lse), live)
    assert max_abs(lse[live], ref_lse[live]) < 1e-3


def test_kv_cache_8bit_equals_dense_decode_blocks():
    """bits=8 keeps the stage-1 codes, so with whole blocks the cache path is the dense path with q
    quantized one row per block, i.e. the dense path run on one query row at a time, bit for bit."""
    q, k, v = make_qkv(13, 1, 2, 2, 3, 128, 64)
    kv = quantize_kv(k, v, bits=8)
    got = flashq_attention(q, kv=kv, softmax="exact")
    for i in range(3):  # one row per call: its block is the row itself, as in SPEC 5
        want = flashq_attention(np.ascontiguousarray(q[:, :, i:i + 1]), k, v, softmax="exact", block=64)
        assert np.array_equal(got[:, :, i:i + 1], want)


def test_kv_cache_with_bnhd_query():
    q, k, v = make_qkv(14, 1, 4, 2, 2, 100, 64)
    kv = quantize_kv(k, v, bits=4)
    want = flashq_attention(q, kv=kv)
    qt = np.ascontiguousarray(q.transpose(0, 2, 1, 3))
    got = flashq_attention(qt, kv=kv, layout="BNHD")
    assert np.array_equal(got.transpose(0, 2, 1, 3), want)


# ---- accuracy options beyond SPEC v1 (docs/DESIGN.md, "Accuracy options") ---------------------------

OPTION_SETS = [
    {"qk_scale": "token"},
    {"k_smooth": True},
    {"qk_equalize": True},
    {"qk_scale": "token", "k_smooth": True, "qk_equalize": True},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: "+".join(o))
@pytest.mark.parametrize("causal", [False, True])
def test_accuracy_options_match_model(options, causal):
    q, k, v = make_qkv(16, 1, 4, 2, 100, 150, 64, outliers=3)
    k = k + np.linspace(-2, 2, 64, dtype=np.float32)  # per-channel offsets, so k_smooth has work to do
    out, lse = flashq_attention(q, k, v, causal=causal, softmax="exact", return_lse=True, **options)
    ref, ref_lse = model.spec_attention_options(q, k, v, causal=causal, exact=True, **options)
    assert rel_l2(out, ref) < 1e-5  # measured <= 3e-7
    live = np.isfinite(ref_lse)
    assert max_abs(lse[live], ref_lse[live]) < 1e-4


def test_defaults_keep_spec_numerics():
    q, k, v = make_qkv(17, 1, 2, 2, 80, 80, 64, outliers=2)
    plain = flashq_attention(q, k, v)
    assert np.array_equal(plain, flashq_attention(q, k, v, qk_scale="block", k_smooth=False, qk_equalize=False))


# Same data as ACCURACY["outlier"]; rel L2 against float64, measured: none 0.0955, token 0.0792,
# k_smooth 0.0964 (zero-mean channels: nothing to remove), qk_equalize 0.0480, token + equalize 0.0404.
OUTLIER_GAINS = [
    ({"qk_scale": "token"}, 0.90),
    ({"qk_equalize": True}, 0.60),
    ({"qk_scale": "token", "qk_equalize": True}, 0.50),
    ({"k_smooth": True}, 1.03),  # no gain expected on zero-mean channels; it must not hurt either
]


@pytest.mark.parametrize("options,ratio", OUTLIER_GAINS, ids=lambda o: "+".join(o) if isinstance(o, dict) else str(o))
def test_accuracy_options_on_key_outliers(options, ratio):
    q, k, v = make_qkv(11, 1, 4, 4, 512, 512, 128, outliers=4)
    ref = reference_attention(q, k, v)
    base = rel_l2(flashq_attention(q, k, v), ref)
    assert rel_l2(flashq_attention(q, k, v, **options), ref) < ratio * base


def test_k_smooth_on_keys_with_channel_offsets():
    """K with per-channel offsets (std 5, no outliers): the offsets set the INT8 range and k_smooth removes
    them. Measured rel L2 0.0361 -> 0.0177; max lse error against float64 0.152 -> 0.045 (about what the
    same quantization gives on unshifted keys)."""
    q, k, v = make_qkv(11, 1, 4, 4, 512, 512, 128)
    k = (k + np.random.default_rng(5).standard_normal(128).astype(np.float32) * 5.0).astype(np.float32)
    ref = reference_attention(q, k, v)
    s = np.einsum("bhid,bhjd->bhij", as64(q), as64(k)) / np.sqrt(128)
    ref_lse = np.log(np.exp(s - s.max(-1, keepdims=True)).sum(-1)) + s.max(-1)
    base, base_lse = flashq_attention(q, k, v, return_lse=True)
    smooth, smooth_lse = flashq_attention(q, k, v, k_smooth=True, return_lse=True)
    assert rel_l2(smooth, ref) < 0.6 * rel_l2(base, ref)
    assert max_abs(smooth_lse, ref_lse) < max_abs(base_lse, ref_lse)


def test_accuracy_options_are_rejected_where_they_do_not_apply():
    q, k, v = _good()
    with pytest.raises(ValueError, match="apply to dense k and v only"):
        flashq_attention(q, kv=quantize_kv(k, v), qk_equalize=True)
    with pytest.raises(ValueError, match="qk_scale must be one of"):
        flashq_attention(q, k, v, qk_scale="row")
    with pytest.raises(TypeError, match="k_smooth must be a bool"):
        flashq_attention(q, k, v, k_smooth=1)


# ---- errors name the argument -------------------------------------------------------------------------

def _good():
    return make_qkv(15, 1, 4, 2, 16, 16, 64)


def _with(i, value):
    tensors = list(_good())
    tensors[i] = value
    return tensors


BAD_TENSORS = [
    ("rank", lambda: _with(0, np.zeros((4, 16, 64), np.float32)), ValueError, "q must be 4-D"),
    ("dtype", lambda: _with(1, _good()[1].astype(np.float16)), TypeError, "k must have the dtype of q"),
    ("int dtype", lambda: _with(2, np.ones((1, 2, 16, 64), np.int32)), TypeError, "v must be float16"),
    ("head dim", lambda: _with(1, np.ones((1, 2, 16, 32), np.float32)), ValueError, "k must have the same head dim"),
    ("D multiple", lambda: [np.ones((1, 4, 16, 72), np.float32)] + [np.ones((1, 2, 16, 72), np.float32)] * 2,
     ValueError, "q head dim must be a multiple of 16"),
    ("D too big", lambda: [np.ones((1, 1, 4, 272), np.float32)] * 3, ValueError, "(got 272)"),
    ("batch", lambda: _with(1, np.ones((2, 2, 16, 64), np.float32)), ValueError, "k must have the same batch size"),
    ("heads", lambda: [np.ones((1, 3, 16, 64), np.float32)] + [np.ones((1, 2, 16, 64), np.float32)] * 2, ValueError,
     "q heads must be a multiple of k heads"),
    ("v shape", lambda: _with(2, np.ones((1, 2, 17, 64), np.float32)), ValueError, "v must have the shape of k"),
    ("NaN", lambda: _with(2, np.where(np.arange(64) == 5, np.nan, _good()[2]).astype(np.float32)), ValueError,
     "v contains NaN"),
    ("Inf", lambda: _with(0, np.where(np.arange(64) == 3, np.inf, _good()[0]).astype(np.float32)), ValueError,
     "q contains +Inf"),
    ("beyond 2^48", lambda: _with(1, np.where(np.arange(64) == 7, -3e14, _good()[1]).astype(np.float32)), ValueError,
     "k contains -3e+14 at index [0, 0, 0, 7]; inputs must be finite and at most 2^48"),
    ("empty", lambda: _with(1, np.ones((1, 2, 0, 64), np.float32)), ValueError, "k must not be empty"),
    ("list", lambda: _with(0, [[1.0]]), TypeError, "q must be a NumPy array"),
]


@pytest.mark.parametrize("name,tensors,exc,message", BAD_TENSORS, ids=[b[0] for b in BAD_TENSORS])
def test_bad_tensors_raise_naming_the_argument(name, tensors, exc, message):
    q, k, v = tensors()
    with pytest.raises(exc, match=re.escape(message)):
        flashq_attention(q, k, v)


BAD_OPTIONS = [
    ({"softmax": "fast"}, ValueError, "softmax must be one of"),
    ({"p_scale": "col"}, ValueError, "p_scale must be one of"),
    ({"layout": "BHDN"}, ValueError, "layout must be one of"),
    ({"sas_threshold": 25}, ValueError, "sas_threshold must be in"),
    ({"sas_threshold": True}, TypeError, "sas_threshold must be an int"),
    ({"sm_scale": -1.0}, ValueError, r"sm_scale must be positive and at most 2\^16"),
    ({"sm_scale": float("nan")}, ValueError, r"sm_scale must be positive and at most 2\^16"),
    ({"sm_scale": float("inf")}, ValueError, r"sm_scale must be positive and at most 2\^16"),
    ({"sm_scale": 65536.5}, ValueError, r"sm_scale must be positive and at most 2\^16"),
    ({"sm_scale": "0.1"}, TypeError, "sm_scale must be a float"),
    ({"block": 12}, ValueError, "block must be a multiple of 8"),
    ({"block": 512}, ValueError, "block must be in"),
    ({"causal": "yes"}, TypeError, "causal must be a bool"),
    ({"return_lse": 1}, TypeError, "return_lse must be a bool"),
]


@pytest.mark.parametrize("kwargs,exc,message", BAD_OPTIONS, ids=[str(b[0]) for b in BAD_OPTIONS])
def test_bad_options_raise_naming_the_keyword(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        flashq_attention(*_good(), **kwargs)


def test_bad_out_raises():
    q, k, v = _good()
    with pytest.raises(ValueError, match="out must have the shape of q"):
        flashq_attention(q, k, v, out=np.empty((1, 4, 15, 64), np.float32))
    with pytest.raises(TypeError, match="out must have the dtype of q"):
        flashq_attention(q, k, v, out=np.empty(q.shape, np.float16))
    readonly = np.empty_like(q)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        flashq_attention(q, k, v, out=readonly)


def test_k_v_and_kv_arguments_exclude_each_other():
    q, k, v = _good()
    kv = quantize_kv(k, v)
    with pytest.raises(TypeError, match="not both"):
        flashq_attention(q, k, v, kv=kv)
    with pytest.raises(TypeError, match="k and v are required"):
        flashq_attention(q, k)
    with pytest.raises(ValueError, match="kv must have the head dim of q"):
        flashq_attention(np.ones((1, 4, 2, 128), np.float32), kv=kv)
    with pytest.raises(ValueError, match="q heads must be a multiple of kv heads"):
        flashq_attention(np.ones((1, 3, 2, 64), np.float32), kv=kv)
    with pytest.raises(TypeError, match="kv must be a QuantizedKV"):
        flashq_attention(q, kv=object())


def test_decode_out_is_checked_in_c():
    """flashq_attention(q, kv=...) hands out to C as it is (session 14): a wrong type, a read-only array and a
    wrong shape are refused, and a good out (also one behind a DLPack capsule) is written."""
    q, k, v = _good()
    kv = quantize_kv(k, v)
    q1 = np.ascontiguousarray(q[:, :, -1:])
    with pytest.raises(TypeError, match="out must be a NumPy array or a DLPack tensor"):
        flashq_attention(q1, kv=kv, out=[0.0])
    readonly = np.zeros_like(q1)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        flashq_attention(q1, kv=kv, out=readonly)
    with pytest.raises(ValueError, match="out must have the shape of q"):
        flashq_attention(q1, kv=kv, out=np.zeros_like(q))
    want = flashq_attention(q1, kv=kv)

    class Capsule:  # a CPU DLPack producer that is not a NumPy array
        def __init__(self, a):
            self.a = a

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    for out in (np.full_like(q1, np.nan), Capsule(np.full_like(q1, np.nan))):
        flashq_attention(q1, kv=kv, out=out)
        np.testing.assert_array_equal(out if isinstance(out, np.ndarray) else out.a, want)


def test_inputs_at_the_edge_of_the_range_give_float64_attention():
    """|x| up to 2^48 and sm_scale up to 2^16 (csrc/ta_consts.h) keep every float32 score finite. With q and k at
    that scale the softmax is one-hot: each query row's output is the value row of its planted key, as float64
    attention says. Before session 26, q and k of 1e20 overflowed the scores and every row came out zero."""
    rng = np.random.default_rng(26)
    q = rng.standard_normal((1, 1, 4, 64))
    k = rng.standard_normal((1, 1, 96, 64))
    v = rng.standard_normal((1, 1, 96, 64)).astype(np.float32)
    k[0, 0, [10, 30, 50, 70]] = 3 * q[0, 0]  # row i's best key by far
    scale = 2.0**48 / max(np.abs(q).max(), np.abs(k).max())
    q, k = (np.float32(scale) * x.astype(np.float32) for x in (q, k))
    assert max(np.abs(q).max(), np.abs(k).max()) == np.float32(2.0**48)
    want = reference_attention(q, k, v)
    np.testing.assert_allclose(want, v[:, :, [10, 30, 50, 70]], rtol=1e-12)
    for kw in ({}, {"softmax": "exact"}, {"sm_scale": 65536.0}):
        got = flashq_attention(q, k, v, **kw).astype(np.float64)
        assert rel_l2(got, want) < 0.02, kw  # v's own INT8 error; a zero output is 1.0
