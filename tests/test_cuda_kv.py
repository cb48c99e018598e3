"""CUDA compressed KV cache and decode attention (turboattn/cuda_kv.py, csrc/kv_compress.cu,
csrc/attn_decode.cu) against the CPU path: byte-identical cache arrays for identical input, decode outputs
within SPEC section 6's 2e-3 relative L2, append one token at a time equal to one shot, every output
element written. Skipped without a CUDA device."""
import zlib

import numpy as np
import pytest

from turboattn import _C

pytestmark = pytest.mark.skipif(not (_C.BUILT_WITH_CUDA and _C.cuda_device_count() > 0),
                                reason="needs turboattn built with CUDA and a CUDA device")

from turboattn import _buffers  # noqa: E402
from turboattn.cuda_kv import CudaQuantizedKV, quantize_kv_cuda  # noqa: E402
from turboattn.kv import quantize_kv  # noqa: E402

ARRAYS = ("k_codes", "k_group_step", "k_group_zero", "k_block_scale", "v_codes", "v_group_step", "v_group_zero",
          "v_block_scale")
PARITY = 2e-3  # SPEC section 6: CUDA vs CPU attention outputs


def seed(*parts):
    """A stable seed per test case (hash() of a str changes between processes)."""
    return zlib.crc32(repr(parts).encode())


def _dtype(name):
    if name == "bfloat16":
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def make_kv(rng, B, H, N, D, dtype="float16", outliers=3):
    """Gaussian K and V with a few x20 key channels (the outliers SPEC section 4 groups keys for)."""
    k = rng.standard_normal((B, H, N, D)).astype(np.float32)
    v = rng.standard_normal((B, H, N, D)).astype(np.float32)
    if outliers:
        k[..., rng.choice(D, outliers, replace=False)] *= 20.0
    return k.astype(_dtype(dtype)), v.astype(_dtype(dtype))


def head_bits(bits, H):
    return [2 if h % 2 else 4 for h in range(H)] if bits == "mixed" else bits


def rel_l2(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def assert_same_cache(gpu, cpu):
    host = gpu.to_cpu()
    assert (host.n_blocks, host.n_residual) == (cpu.n_blocks, cpu.n_residual)
    assert host.bits.tolist() == cpu.bits.tolist()
    for name in ARRAYS:
        a, b = getattr(host, name), getattr(cpu, name)
        assert a.shape == b.shape, name
        assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), f"{name} differs"
    r = cpu.n_residual
    for name in ("residual_k", "residual_v"):
        assert np.array_equal(getattr(host, name)[:, :, :r].view(np.uint8), getattr(cpu, name)[:, :, :r].view(np.uint8))
    assert gpu.nbytes == cpu.nbytes
    assert gpu.compression_ratio == pytest.approx(cpu.compression_ratio)


# ---- compression ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits", [4, 2, 8, "mixed"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("D", [64, 128])
def test_compression_is_byte_identical(bits, dtype, D):
    rng = np.random.default_rng(seed((str(bits), dtype, D)))
    B, H, N = 2, 4, 64 * 3 + 17
    k, v = make_kv(rng, B, H, N, D, dtype)
    hb = head_bits(bits, H)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=hb)
    cpu = quantize_kv(k, v, bits=hb)
    assert_same_cache(gpu, cpu)


@pytest.mark.parametrize("D,dtype,bits", [(16, "float16", 2), (48, "bfloat16", 4), (96, "float16", "mixed"),
                                           (256, "bfloat16", 8), (256, "float16", 2)])
def test_compression_is_byte_identical_at_other_head_dims(D, dtype, bits):
    """The 16-byte stage 1 and stage 2's 2-4 threads a group (kv_compress.cu) at head dims whose rows hold 2 to 32
    pieces, with 1, 2 or 4 threads a key channel and a short last value run (D = 48, 96)."""
    rng = np.random.default_rng(seed(("dims", dtype, str(bits)), D))
    B, H, N = 1, 4, 64 * 2 + 9
    k, v = make_kv(rng, B, H, N, D, dtype)
    hb = head_bits(bits, H)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=hb)
    assert_same_cache(gpu, quantize_kv(k, v, bits=hb))


def test_odd_head_dim_and_extreme_blocks():
    """D = 80 (a short value run), a block of zeros, a block of subnormals and a block with one huge value."""
    rng = np.random.default_rng(7)
    B, H, N, D = 1, 3, 64 * 4, 80
    k, v = make_kv(rng, B, H, N, D, "float32")
    k[:, 0, :64] = 0.0
    v[:, 1, 64:128] = 1e-40  # float32 subnormals: amax below FLT_MIN stores zeros
    k[:, 2, 130, 5] = 3e4
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=[2, 4, 8])
    assert_same_cache(gpu, quantize_kv(k, v, bits=[2, 4, 8]))


def test_mixed_rule_matches_cpu():
    rng = np.random.default_rng(11)
    k, v = make_kv(rng, 1, 8, 64 * 3 + 5, 64)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), frac_2bit=0.5)
    cpu = quantize_kv(k, v, frac_2bit=0.5)
    assert sorted(gpu.bits.tolist()) == [2] * 4 + [4] * 4
    assert_same_cache(gpu, cpu)


def test_append_one_token_at_a_time_equals_one_shot():
    rng = np.random.default_rng(3)
    B, H, N, D = 1, 2, 64 * 2 + 5, 64
    k, v = make_kv(rng, B, H, N, D)
    kd, vd = _buffers.from_numpy(k), _buffers.from_numpy(v)
    grown = CudaQuantizedKV(B, H, D, bits=[4, 2])
    for t in range(N):
        grown.append(_buffers.from_numpy(np.ascontiguousarray(k[:, :, t:t + 1])),
                     _buffers.from_numpy(np.ascontiguousarray(v[:, :, t:t + 1])))
    assert grown.n_tokens == N and grown.n_residual == 5
    one_shot = quantize_kv_cuda(kd, vd, bits=[4, 2])
    cpu = quantize_kv(k, v, bits=[4, 2])
    assert_same_cache(grown, cpu)
    assert_same_cache(one_shot, cpu)


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])  # 2- and 4-byte rows through the take-tokens kernel
@pytest.mark.parametrize("D", [128, 96, 80])  # 16 or 32, 12 or 24, 10 or 20 pieces of 16 bytes a row
def test_append_chunks_of_any_size(dtype, D):
    rng = np.random.default_rng(seed("chunks", dtype, D))
    B, H = 2, 2
    chunks = [1, 70, 130, 3, 64, 63]
    k, v = make_kv(rng, B, H, sum(chunks), D, dtype)
    cache = CudaQuantizedKV(B, H, D, bits=4, dtype=dtype)
    at = 0
    for n in chunks:
        cache.append(_buffers.from_numpy(np.ascontiguousarray(k[:, :, at:at + n])),
                     _buffers.from_numpy(np.ascontiguousarray(v[:, :, at:at + n])))
        at += n
    assert_same_cache(cache, quantize_kv(k, v, bits=4))


@pytest.mark.parametrize("D", [64, 96])
def test_append_rejects_bad_tokens_and_keeps_the_cache(D):
    rng = np.random.default_rng(seed("bad tokens", D))
    k, v = make_kv(rng, 1, 2, 70, D)
    bad = k.copy()
    bad[0, 1, 69, D - 1] = np.nan  # building the cache checks every row too
    with pytest.raises(ValueError, match="k contains NaN, Inf"):
        quantize_kv_cuda(_buffers.from_numpy(bad), _buffers.from_numpy(v))
    cache = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v))
    before = cache.to_cpu()
    bad = k[:, :, :1].copy()
    bad[0, 1, 0, 7] = np.nan
    with pytest.raises(ValueError, match="k_new"):
        cache.append(_buffers.from_numpy(bad), _buffers.from_numpy(v[:, :, :1].copy()))
    bad = v[:, :, :2].copy()
    bad[0, 1, 1, D - 1] = np.inf  # the last 16-byte piece of the last row
    with pytest.raises(ValueError, match="v_new"):
        cache.append(_buffers.from_numpy(k[:, :, :2].copy()), _buffers.from_numpy(bad))
    # k and v are checked by one call with one flag each: the error names the array that holds the NaN.
    bad_v = v[:, :, :3].copy()
    bad_v[0, 0, 2, 1] = -np.inf
    with pytest.raises(ValueError, match="v_new contains NaN, Inf"):
        cache.append(_buffers.from_numpy(k[:, :, :3].copy()), _buffers.from_numpy(bad_v))
    # A chunk that would fill blocks: append makes room before the check (capacity only), and the check still
    # raises before the cache's contents change.
    long_k, long_v = (np.concatenate([x, x], axis=2)[:, :, :130].copy() for x in (k, v))
    long_k[0, 0, 129, 0] = np.nan
    with pytest.raises(ValueError, match="k_new"):
        cache.append(_buffers.from_numpy(long_k), _buffers.from_numpy(long_v))
    with pytest.raises(TypeError, match="dtype"):
        cache.append(_buffers.from_numpy(k[:, :, :1].astype(np.float32)), _buffers.from_numpy(v[:, :, :1].astype(np.float32)))
    with pytest.raises(ValueError, match="B, H, D"):
        cache.append(_buffers.from_numpy(k[:, :1, :1].copy()), _buffers.from_numpy(v[:, :1, :1].copy()))
    assert_same_cache(cache, before)


def test_check_finite_names_the_array_with_the_nan():
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 64)).astype(np.float16)
    y = x.copy()
    y[0, 1, 2, 3] = np.inf
    _C.cuda_check_finite(_buffers.from_numpy(x), "a", _buffers.from_numpy(x), "b")
    with pytest.raises(ValueError, match="b contains NaN, Inf"):
        _C.cuda_check_finite(_buffers.from_numpy(x), "a", _buffers.from_numpy(y), "b")
    with pytest.raises(ValueError, match="a contains NaN, Inf"):
        _C.cuda_check_finite(_buffers.from_numpy(y), "a")


def test_constructor_rejects_bad_arguments():
    with pytest.raises(ValueError, match="D"):
        CudaQuantizedKV(1, 2, 100)
    with pytest.raises(ValueError, match="bits"):
        CudaQuantizedKV(1, 2, 64, bits=3)
    with pytest.raises(ValueError, match="capacity"):
        CudaQuantizedKV(1, 2, 64, capacity=-1)
    with pytest.raises(AttributeError):
        CudaQuantizedKV(1, 2, 64).residual_k = None  # the C view assumes the arrays stay


# ---- decode attention -------------------------------------------------------------------------------------

def _attention():
    attention = pytest.importorskip("turboattn.attention")
    return attention.flashq_attention


def decode_pair(rng, *, B=1, Hkv=2, ratio=4, nq=1, n_blocks=5, n_res=0, D=128, bits=4, dtype="float16",
                sm_scale=None, **kwargs):
    """(GPU output, CPU output, GPU lse, CPU lse) of flashq_attention against the same cache."""
    flashq_attention = _attention()
    k, v = make_kv(rng, B, Hkv, 64 * n_blocks + n_res, D, dtype)
    q = rng.standard_normal((B, Hkv * ratio, nq, D)).astype(np.float32).astype(_dtype(dtype))
    hb = head_bits(bits, Hkv)
    cpu = quantize_kv(k, v, bits=hb)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=hb)
    out_c, lse_c = flashq_attention(q, kv=cpu, sm_scale=sm_scale, return_lse=True, **kwargs)
    out_g, lse_g = flashq_attention(_buffers.from_numpy(q), kv=gpu, sm_scale=sm_scale, return_lse=True, **kwargs)
    return (_buffers.to_numpy(out_g).astype(np.float32), np.asarray(out_c).astype(np.float32),
            _buffers.to_numpy(lse_g), np.asarray(lse_c))


@pytest.mark.parametrize("bits", [4, 2, "mixed"])
@pytest.mark.parametrize("n_res", [0, 1, 63])
@pytest.mark.parametrize("ratio", [1, 4, 8])
@pytest.mark.parametrize("nq", [1, 2, 5, 16])
def test_decode_matches_cpu(bits, n_res, ratio, nq):
    rng = np.random.default_rng(seed((str(bits), n_res, ratio, nq)))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, ratio=ratio, nq=nq, n_res=n_res, bits=bits)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("bits", [4, 2, "mixed"])
@pytest.mark.parametrize("n_res", [0, 37])
@pytest.mark.parametrize("ratio,nq", [(1, 1), (2, 1), (4, 1), (1, 3), (2, 2), (8, 1), (1, 5)])
def test_decode_head_dim_64_matches_cpu(bits, n_res, ratio, nq):
    """D = 64 with one query row per KV head (the one-row form), two to four (the few-row form) and five or eight
    (two items of the few-row form), as small models decode (e.g. 32 query heads over 8 KV heads): each form's lanes
    past channel 63 must add nothing."""
    rng = np.random.default_rng(seed(("d64", str(bits), n_res, ratio, nq)))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=ratio, nq=nq, n_blocks=9, n_res=n_res, D=64, bits=bits)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("bits", [4, 2, "mixed", 8])
@pytest.mark.parametrize("n_res", [0, 37])
@pytest.mark.parametrize("ratio,nq", [(1, 1), (2, 1), (4, 1), (1, 3), (1, 2), (8, 1)])
def test_decode_head_dim_256_matches_cpu(bits, n_res, ratio, nq):
    """D = 256 (Gemma-like heads) with one query row per KV head (the one-row form) and two to four (the few-row
    form), whose blocks are staged in two halves of 128 channels: each half's digits, clamps and mma must add up to
    the whole block's, and so must the residual rows' (an 8-bit block, staged the same way). Eight rows are two items
    of four in the few-row form; 8-bit caches with 2 or more rows a KV head run the 8-bit few-row kernel."""
    rng = np.random.default_rng(seed(("d256", str(bits)), n_res, ratio, nq))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=ratio, nq=nq, n_blocks=9, n_res=n_res, D=256, bits=bits)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("bits", [4, 2, "mixed", 8])
@pytest.mark.parametrize("n_res", [0, 37])
@pytest.mark.parametrize("D", [80, 96, 112, 32, 48])
@pytest.mark.parametrize("ratio,nq", [(1, 1), (2, 1), (4, 1), (1, 3), (8, 1)])
def test_decode_padded_head_dims_match_cpu(bits, n_res, D, ratio, nq):
    """D = 80, 96 and 112 (Phi-2, Phi-3-mini, MPT-30B) run the D = 128 one-row and few-row forms on their first D
    channels, and 32 and 48 (Pythia-14m, TinyStories-33M) the D = 64 ones: the lanes past channel D read whatever the
    stage held and must add nothing, to the scores (their q codes are zero, also from the one-row q quantizer at
    D = 64) or to the outputs (their channels are not written); a value row's last group has 16, 32 or 48 channels.
    The plan must pick the warp kernel there (8 rows a KV head as two items of 4; the residual rows where the plan
    puts them), at 8 bits too: the one-row form and the 8-bit few-row kernel, whose 8-bit blocks are the first D
    channel rows and row bytes of a D = 128 block."""
    rng = np.random.default_rng(seed(("padded", str(bits)), n_res, D, ratio, nq))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=ratio, nq=nq, n_blocks=9, n_res=n_res, D=D, bits=bits)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    assert _C.decode_last_plan()["warp"] == 1


def few_tile_rows(rows):
    """Query rows per work item where the warp kernel has a few-row form: the fewest tiles of at most 4."""
    tiles = -(-rows // 4)
    return -(-rows // tiles)


@pytest.mark.parametrize("bits", [4, 2, "mixed", 8])
@pytest.mark.parametrize("D,ratio,nq", [(128, 8, 1), (128, 5, 1), (128, 7, 1), (128, 6, 1), (128, 4, 4), (128, 1, 9),
                                        (64, 8, 1), (64, 7, 1), (96, 8, 1), (80, 1, 6), (256, 8, 1), (256, 2, 3),
                                        (112, 8, 1), (32, 8, 1), (48, 1, 6)])
def test_decode_rows_split_into_few_row_tiles(bits, D, ratio, nq):
    """A KV head with more than 4 query rows (GQA 5:1 to 8:1, several query tokens) goes to the warp kernel as the
    fewest items of at most 4 rows, as even as they go (5 -> 3 + 2, 9 -> 3 x 3, 16 -> 4 x 4), each in the few-row
    form: the rows of one KV head then sit in several items of a split, each folding its own rows into the combine.
    8-bit caches keep items of up to 16 rows where the warp kernel has a general form for them (D = 64 and 128)."""
    rng = np.random.default_rng(seed(("tiles", str(bits)), D, ratio, nq))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=ratio, nq=nq, n_blocks=7, n_res=37, D=D, bits=bits)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    plan = _C.decode_last_plan()
    assert plan["warp"] == 1, plan
    assert plan["rows_per_item"] == (16 if bits == 8 and D in (64, 128) else few_tile_rows(ratio * nq)), plan


@pytest.mark.parametrize("n_res", [0, 37])
@pytest.mark.parametrize("ratio", [1, 4, 8])
def test_decode_plan_gives_items_a_few_blocks(n_res, ratio):
    """A small call fits one wave of the warp kernel however short its items; the plan still gives each item at least
    2 blocks, and 4 when the call has residual rows (whose items take about that long), and the outputs match."""
    rng = np.random.default_rng(seed(("least-blocks",), n_res, ratio))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=1, ratio=ratio, n_blocks=16, n_res=n_res)
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    plan = _C.decode_last_plan()
    assert plan["warp"] == 1 and plan["blocks_per_split"] == (4 if n_res else 2), plan


@pytest.mark.parametrize("ratio,nq", [(8, 1), (2, 3)])
def test_decode_few_row_tiles_fall_back_with_the_cta_kernel(ratio, nq):
    """SAS thresholds above 14 take the CTA kernel, which the plan learns only after it has cut the rows into tiles for
    the warp kernel: it must go back to items of up to 16 rows, and still match the CPU."""
    rng = np.random.default_rng(seed(("tiles-cta",), ratio, nq))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=ratio, nq=nq, n_blocks=7, n_res=37, sas_threshold=20)
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    plan = _C.decode_last_plan()
    assert plan["warp"] == 0 and plan["rows_per_item"] == 16, plan


@pytest.mark.parametrize("rows_per_item", [8, 16, 2, 1])
@pytest.mark.parametrize("bits", [4, 2, 8])
def test_decode_forced_rows_per_item_keep_parity(rows_per_item, bits):
    """_C.decode_rows_per_item (benchmarks) forces the rows an item takes: 8 rows a KV head as one item of the two-quad
    few-row form (WD_FEW8) or of the general form, or as items of 2 and 1 rows; each must agree with the CPU."""
    rng = np.random.default_rng(seed(("forced-rows", bits), rows_per_item))
    _C.decode_rows_per_item(rows_per_item)
    try:
        out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=8, nq=1, n_blocks=7, n_res=37, bits=bits)
        plan = _C.decode_last_plan()
    finally:
        _C.decode_rows_per_item(0)
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    assert plan["warp"] == 1 and plan["rows_per_item"] == rows_per_item, plan


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("ratio", [1, 4, 8])
@pytest.mark.parametrize("D", [128, 96])
def test_decode_q_alignment_and_layout(dtype, ratio, D):
    """The warp kernel loads q 16 bytes at a time where a row allows it, else element by element: an aligned q,
    the same values one element into a DLPack tensor's data (no load of 16 or 8 bytes lines up) and a BNHD view
    must give bit-equal outputs, one, four and eight rows an item, and match the CPU (D = 96: the lanes past
    channel 96 load nothing)."""
    torch = pytest.importorskip("torch")
    flashq_attention = _attention()
    rng = np.random.default_rng(seed(("qalign", dtype, ratio, D)))
    B, Hkv = 2, 2
    k, v = make_kv(rng, B, Hkv, 64 * 6 + 5, D, dtype)
    q = rng.standard_normal((B, Hkv * ratio, 1, D)).astype(np.float32)
    q[..., 5] *= 40.0  # an outlier channel sets the rows' INT8 step
    q = q.astype(_dtype(dtype))
    tdt = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[dtype]
    qt = torch.from_numpy(q.astype(np.float32)).to(tdt).cuda()
    flat = torch.empty(qt.numel() + 1, dtype=tdt, device="cuda")
    flat[1:] = qt.reshape(-1)
    shifted = flat[1:].view(qt.shape)
    assert shifted.data_ptr() % 8 != 0
    bnhd = qt.transpose(1, 2).contiguous()
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=4)
    got = [_buffers.to_numpy(flashq_attention(x, kv=gpu, **kw)).astype(np.float32)
           for x, kw in ((qt, {}), (shifted, {}), (bnhd, dict(layout="BNHD")))]
    want = np.asarray(flashq_attention(q, kv=quantize_kv(k, v, bits=4))).astype(np.float32)
    assert np.isfinite(got[0]).all()
    assert rel_l2(got[0], want) < PARITY
    np.testing.assert_array_equal(got[1], got[0])
    np.testing.assert_array_equal(got[2].transpose(0, 2, 1, 3), got[0])


@pytest.mark.parametrize("blocks_per_split", [1, 3, 0])
@pytest.mark.parametrize("D,dtype", [(64, "float32"), (128, "bfloat16"), (256, "float16"), (96, "float16")])
def test_decode_splits_head_dims_and_dtypes(blocks_per_split, D, dtype):
    rng = np.random.default_rng(seed((blocks_per_split, D, dtype)))
    _C.decode_blocks_per_split(blocks_per_split)
    try:
        out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, Hkv=2, ratio=2, nq=3, n_blocks=7, n_res=20, D=D,
                                                 bits="mixed", dtype=dtype)
    finally:
        _C.decode_blocks_per_split(0)
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("n_blocks", [20, 50, 90])
@pytest.mark.parametrize("D", [128, 256])
@pytest.mark.parametrize("softmax", ["sas", "exact"])
def test_decode_combine_forms(n_blocks, D, softmax):
    """One block a split and a residual split: 21, 51 and 91 splits make runs of at most 4, 5 to 8, and more than 8
    splits for each of the combine's 8 warps, the three rounds combine_launch tells apart, with 4 or 8 channels a
    lane (D = 128, 256) where runs are short; the exact softmax merges free splits by their maxima."""
    rng = np.random.default_rng(seed((n_blocks, D, softmax)))
    _C.decode_blocks_per_split(1)
    try:
        out_g, out_c, lse_g, lse_c = decode_pair(rng, Hkv=2, ratio=2, nq=3, n_blocks=n_blocks, n_res=11, D=D,
                                                 softmax=softmax)
    finally:
        _C.decode_blocks_per_split(0)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("options", [dict(causal=True), dict(softmax="exact"), dict(p_scale="fixed"),
                                     dict(sas_threshold=3), dict(sm_scale=0.5), dict(causal=True, softmax="exact"),
                                     dict(softmax="exact", p_scale="fixed")])
def test_decode_options(options):
    rng = np.random.default_rng(seed(tuple(sorted(map(str, options.items())))))
    _C.decode_blocks_per_split(2)
    try:
        out_g, out_c, lse_g, lse_c = decode_pair(rng, ratio=4, nq=16, n_blocks=4, n_res=10, bits="mixed", **options)
    finally:
        _C.decode_blocks_per_split(0)
    assert rel_l2(out_g, out_c) < PARITY
    finite = np.isfinite(lse_c)
    assert (np.isfinite(lse_g) == finite).all()
    np.testing.assert_allclose(lse_g[finite], lse_c[finite], rtol=0, atol=2e-3)


@pytest.mark.parametrize("knob", [("TURBOATTN_DECODE_KERNEL", "cta"), ("TURBOATTN_DECODE_VARIANT", "1"),
                                  ("TURBOATTN_DECODE_RESIDUAL", "cta"), ("TURBOATTN_DECODE_RESIDUAL", "warp"),
                                  ("TURBOATTN_DECODE_RESIDUAL", "slack"), ("TURBOATTN_DECODE_PDL", "0")])
@pytest.mark.parametrize("D,ratio,nq", [(128, 4, 1), (64, 2, 5), (128, 1, 12), (128, 1, 1), (64, 4, 1), (128, 8, 1),
                                        (256, 1, 1), (256, 4, 1), (96, 1, 1), (80, 4, 1), (112, 2, 1), (32, 2, 1)])
def test_decode_kernel_knobs_keep_parity(monkeypatch, knob, D, ratio, nq):
    """The benchmark knobs select another decode kernel (the CTA kernel everywhere, another row of the warp
    kernel's table, the residual rows on either kernel or where the plan before session 46 put them, no
    programmatic dependent launch); each must agree with the CPU as the default does."""
    monkeypatch.setenv(*knob)
    rng = np.random.default_rng(seed(knob, D, ratio, nq))
    _C.decode_blocks_per_split(3)
    try:
        out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, Hkv=2, ratio=ratio, nq=nq, n_blocks=9, n_res=5, D=D,
                                                 bits="mixed")
    finally:
        _C.decode_blocks_per_split(0)
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("knob,want", [(None, dict(warp=1)), (("TURBOATTN_DECODE_KERNEL", "cta"), dict(warp=0, ctas_per_sm=0)),
                                       (("TURBOATTN_DECODE_RESIDUAL", "warp"), dict(warp=1, residual_in_warp_kernel=1)),
                                       (("TURBOATTN_DECODE_RESIDUAL", "cta"), dict(warp=1, residual_in_warp_kernel=0))])
def test_decode_last_plan_reports_the_knobs(monkeypatch, knob, want):
    """_C.decode_last_plan() (benchmarks) tells what the last call ran: the kernel, the forced blocks per split and the
    splits they make, where the residual rows went, and the warp kernel's CTAs per SM (3 at D = 128)."""
    if knob:
        monkeypatch.setenv(*knob)
    rng = np.random.default_rng(seed(("plan", str(knob))))
    _C.decode_blocks_per_split(3)
    try:
        out_g, out_c, _, _ = decode_pair(rng, B=2, Hkv=2, ratio=4, nq=1, n_blocks=9, n_res=5, bits="mixed")
    finally:
        _C.decode_blocks_per_split(0)
    plan = _C.decode_last_plan()
    assert rel_l2(out_g, out_c) < PARITY
    assert plan["blocks_per_split"] == 3 and plan["splits"] == 3
    for key, value in want.items():
        assert plan[key] == value, (key, plan)
    if plan["warp"]:
        assert plan["ctas_per_sm"] >= 1


@pytest.mark.parametrize("bits", [4, 2, 8, "mixed"])
@pytest.mark.parametrize("D,ratio,nq", [(128, 1, 1), (128, 4, 1), (128, 2, 5), (64, 1, 1), (64, 8, 3), (256, 1, 1),
                                        (256, 4, 1), (96, 1, 1), (96, 4, 1), (80, 2, 1), (80, 1, 3), (112, 1, 1),
                                        (112, 4, 1), (32, 1, 1), (48, 4, 1)])
@pytest.mark.parametrize("n_res", [1, 37, 63])
def test_decode_residual_rows_in_the_warp_kernel(monkeypatch, bits, D, ratio, nq, n_res):
    """The residual rows as the warp kernel's last split (an 8-bit block quantized by the image kernel, whose codes
    the 8-bit code path takes as they are, with 127 times the other operand's sum off, and a stage moved into the
    score store for narrower caches), in each of its
    forms (one row, few rows, general with 10 or 24 rows per KV head, two row tiles; at D = 256 by halves; at D = 80,
    96 and 112 a D = 128 image with zero channels past D, at 32 and 48 a D = 64 one), against the CPU. The plan puts them there only for some
    shapes; the knob puts them there whenever it can."""
    monkeypatch.setenv("TURBOATTN_DECODE_RESIDUAL", "warp")
    rng = np.random.default_rng(seed(("res-warp", str(bits)), D, ratio, nq, n_res))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, Hkv=2, ratio=ratio, nq=nq, n_blocks=4, n_res=n_res, D=D,
                                             bits=bits)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    if D in (32, 48, 80, 96, 112, 256):
        assert _C.decode_last_plan()["residual_in_warp_kernel"] == 1


@pytest.mark.parametrize("residual", ["plan", "warp"])
@pytest.mark.parametrize("bits", [4, 2, "mixed"])
@pytest.mark.parametrize("D,ratio,nq", [(128, 1, 1), (128, 4, 1), (128, 2, 5), (64, 1, 1), (64, 8, 3), (96, 1, 1),
                                        (80, 4, 1), (112, 1, 1), (48, 1, 1)])
def test_decode_exact_softmax_on_the_warp_kernel(monkeypatch, residual, bits, D, ratio, nq):
    """softmax="exact" runs on the warp kernel (the SFU's exp2 in its paired row step, session 14) in each of its
    forms, with the residual rows where the plan puts them and in the warp kernel; C keeps exp2f."""
    monkeypatch.setenv("TURBOATTN_DECODE_RESIDUAL", residual)
    rng = np.random.default_rng(seed(("exact", residual, str(bits)), D, ratio, nq))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, Hkv=2, ratio=ratio, nq=nq, n_blocks=6, n_res=37, D=D,
                                             bits=bits, softmax="exact")
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


def ramp_decode(rng, profile, *, B, Hkv, N, D, ratio, nq, **kw):
    """(GPU output, CPU output, GPU lse, CPU lse, spread) of a 4-bit decode at one block per split, whose keys carry a
    ramp along the sequence in one direction u that q leans towards: the splits' maxima then lie up to `spread` (base
    2) apart, the largest in the last, first or middle split (profile "rising", "falling" or "middle")."""
    flashq_attention = _attention()
    k, v = make_kv(rng, B, Hkv, N, D)
    k, v = k.astype(np.float32), v.astype(np.float32)
    u = rng.standard_normal(D).astype(np.float32)
    u /= np.linalg.norm(u)
    x = np.linspace(0.0, 1.0, N, dtype=np.float32)
    ramp = {"rising": x, "falling": 1.0 - x, "middle": 1.0 - 2.0 * np.abs(x - 0.5)}[profile]
    k += (24.0 * ramp)[:, None] * u
    q = rng.standard_normal((B, Hkv * ratio, nq, D)).astype(np.float32) + 4.0 * u
    k, v, q = k.astype(np.float16), v.astype(np.float16), q.astype(np.float16)
    cpu = quantize_kv(k, v, bits=4)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=4)
    kw = dict(sm_scale=0.3, return_lse=True, **kw)
    out_c, lse_c = flashq_attention(q, kv=cpu, **kw)
    _C.decode_blocks_per_split(1)
    try:
        out_g, lse_g = flashq_attention(_buffers.from_numpy(q), kv=gpu, **kw)
    finally:
        _C.decode_blocks_per_split(0)
    spread = (np.asarray(q, np.float32) @ u).mean() * 24.0 * 0.3 * np.log2(np.e)
    return _buffers.to_numpy(out_g).astype(np.float32), out_c, _buffers.to_numpy(lse_g), np.asarray(lse_c), spread


@pytest.mark.parametrize("profile", ["falling", "middle"])
@pytest.mark.parametrize("kernel", ["warp", "cta"])
@pytest.mark.parametrize("ratio,nq", [(1, 1), (1, 3), (4, 1), (4, 4)])
def test_decode_sas_look_back_over_many_splits(monkeypatch, profile, kernel, ratio, nq):
    """SAS splits start from the maximum of every earlier split (dec_look_back). Here 150 splits of one block, the top
    score in the first or the middle split, and 1, 3, 4 or 16 rows per item, so that a lane reads several groups of
    earlier splits' words (docs/DESIGN.md, "How a split reads the earlier maxima"). A split that missed the top would
    keep scores the CPU's sequential pass drops, far past the parity bound."""
    if kernel == "cta":
        monkeypatch.setenv("TURBOATTN_DECODE_KERNEL", "cta")
    rng = np.random.default_rng(seed(("look-back", profile, kernel), ratio, nq))
    out_g, out_c, lse_g, lse_c, spread = ramp_decode(rng, profile, B=1, Hkv=2, N=64 * 150 + 21, D=128, ratio=ratio,
                                                     nq=nq)
    assert spread > 30
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


@pytest.mark.parametrize("profile", ["rising", "falling", "middle"])
@pytest.mark.parametrize("kernel", ["warp", "cta"])
@pytest.mark.parametrize("D,ratio,nq,causal", [(128, 1, 1, False), (128, 4, 1, False), (64, 2, 5, True)])
def test_decode_exact_splits_from_their_own_maximum(monkeypatch, profile, kernel, D, ratio, nq, causal):
    """softmax="exact" with the per-row P scale skips the look-back: each split starts from its own maximum and
    the combine rescales the splits by their maxima (docs/DESIGN.md, "Free splits"). Here one block per split and
    a score ramp along the sequence put the splits' maxima up to ~40 (base 2) apart, with the largest in the
    last, first or middle split; the result must still be the CPU's sequential pass."""
    if kernel == "cta":
        monkeypatch.setenv("TURBOATTN_DECODE_KERNEL", "cta")
    rng = np.random.default_rng(seed(("free-splits", profile, kernel), D, ratio, nq, causal))
    out_g, out_c, lse_g, lse_c, spread = ramp_decode(rng, profile, B=2, Hkv=2, N=64 * 9 + 21, D=D, ratio=ratio, nq=nq,
                                                     causal=causal, softmax="exact")
    assert spread > 30  # the first and last splits' maxima are that far apart (base 2)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)


def clamp_kv(rng, B, H, N, D):
    """Integer-valued K and V whose 64-token blocks all have max |x| = 127 (stage-1 scale 1, so the codes are
    the values) and whose groups all reach 127 from a random low end: SPEC section 4's clamp
    x̂ = min(u s + z, 127) then acts on thousands of codes."""
    k, v = np.empty((B, H, N, D), np.float32), np.empty((B, H, N, D), np.float32)
    for j in range(0, N, 64):
        n = min(64, N - j)
        lo = rng.integers(-60, 90, size=(B, H, 1, D))
        k[:, :, j:j + n] = np.floor(lo + rng.random((B, H, n, D)) * (128 - lo))
        np.put_along_axis(k[:, :, j:j + n], rng.integers(0, n, size=(B, H, 1, D)), 127.0, axis=2)
        for c0 in range(0, D, 64):  # value groups: runs of 64 channels, the last one shorter where D % 64 != 0
            w = min(64, D - c0)
            lo = rng.integers(-60, 90, size=(B, H, n, 1))
            vv = np.floor(lo + rng.random((B, H, n, w)) * (128 - lo))
            np.put_along_axis(vv, rng.integers(0, w, size=(B, H, n, 1)), 127.0, axis=3)
            v[:, :, j:j + n, c0:c0 + w] = vv
    return k, v


def clamped_codes(x, bits, axis):
    """How many of the integer codes x, grouped along `axis`, SPEC section 4 clamps (u s + z > 127)."""
    L = 2 ** bits - 1
    lo, hi = x.min(axis=axis, keepdims=True), x.max(axis=axis, keepdims=True)
    s = np.maximum(1, -((lo - hi) // L))
    return int((np.minimum(L, (x - lo + s // 2) // s) * s + lo > 127).sum())


@pytest.mark.parametrize("bits", [4, 2])
@pytest.mark.parametrize("ratio,nq,D", [(1, 1, 128), (1, 1, 64), (4, 1, 128), (1, 3, 128), (8, 1, 128), (2, 4, 128), (1, 7, 128),
                                        (1, 1, 256), (2, 1, 256), (4, 1, 256), (1, 1, 96), (4, 1, 96), (1, 3, 80),
                                        (2, 1, 112), (1, 1, 48), (4, 1, 48)])
def test_decode_clamped_codes_match_cpu_closely(bits, ratio, nq, D):
    """The clamp is where the GPU kernels differ most from a plain rebuild (the one-row and few-row forms put
    the steps on q's and P's side and subtract what the clamp takes off afterwards). Leaving that out changes lse
    by 1.6e-3 (4 bits) to 4e-3 (2 bits) on this data; the integers are the CPU's, so GPU and CPU agree to
    float rounding."""
    rng = np.random.default_rng(seed("clamp", bits, ratio, nq, D))
    B, Hkv, n_blocks = 1, 2, 6
    k, v = clamp_kv(rng, B, Hkv, 64 * n_blocks + 5, D)
    blocks = k[:, :, :64 * n_blocks].reshape(B, Hkv, n_blocks, 64, D)
    assert clamped_codes(blocks, bits, 3) > 400  # keys: per channel and block (D = 64, 4 bits: 910)
    assert sum(clamped_codes(v[:, :, :64 * n_blocks, c0:c0 + 64], bits, 3) for c0 in range(0, D, 64)) > 400
    q = rng.standard_normal((B, Hkv * ratio, nq, D)).astype(np.float32)
    flashq_attention = _attention()
    cpu = quantize_kv(k, v, bits=bits)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=bits)
    out_c, lse_c = flashq_attention(q, kv=cpu, sm_scale=0.002, return_lse=True)
    out_g, lse_g = flashq_attention(_buffers.from_numpy(q), kv=gpu, sm_scale=0.002, return_lse=True)
    assert rel_l2(_buffers.to_numpy(out_g), out_c) < 2e-5
    np.testing.assert_allclose(_buffers.to_numpy(lse_g), lse_c, rtol=0, atol=5e-5)


@pytest.mark.parametrize("n_res", [0, 37])
@pytest.mark.parametrize("D,ratio,nq", [(256, 2, 1), (256, 1, 13), (96, 4, 1), (80, 2, 3), (112, 8, 1), (112, 1, 2),
                                        (128, 1, 1), (128, 2, 1), (128, 4, 1)])
def test_decode_eight_bit_few_row_kernels(n_res, D, ratio, nq):
    """8-bit caches at D = 80, 96, 112 and 256 with 2 or more query rows a KV head (Gemma-2's GQA 2:1 at D = 256,
    several query tokens) run a few-row kernel that holds the 8-bit code path alone, two CTAs an SM, on items of at
    most 4 rows (13 rows: 4 + 4 + 4 + 1). At D = 128 8-bit caches with 1 to 4 rows a KV head take such one-row and
    few-row kernels too, in their items of up to 16 rows."""
    rng = np.random.default_rng(seed(("eight-few",), n_res, D, ratio, nq))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=ratio, nq=nq, n_blocks=9, n_res=n_res, D=D, bits=8)
    assert np.isfinite(out_g).all()
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    plan = _C.decode_last_plan()
    rows = 16 if D == 128 else few_tile_rows(ratio * nq)
    assert plan["warp"] == 1 and plan["rows_per_item"] == rows and plan["ctas_per_sm"] == 2, plan


@pytest.mark.parametrize("D", [96, 256])
def test_decode_eight_bit_beside_narrower_heads_takes_the_cta_kernel(D):
    """A cache with 8-bit heads beside 4-bit ones at D = 96 or 256 and 4 rows a KV head has no warp-kernel row (the
    few-row kernels take 4 and 2 bits, or 8 alone): it runs on the CTA kernel, items of up to 16 rows, and matches."""
    rng = np.random.default_rng(seed(("eight-beside",), D))
    out_g, out_c, lse_g, lse_c = decode_pair(rng, B=2, ratio=4, nq=1, n_blocks=9, n_res=5, D=D, bits=[8, 4])
    assert rel_l2(out_g, out_c) < PARITY
    np.testing.assert_allclose(lse_g, lse_c, rtol=0, atol=2e-3)
    plan = _C.decode_last_plan()
    assert plan["warp"] == 0 and plan["rows_per_item"] == 16, plan


def test_decode_only_residual_and_eight_bit_heads():
    rng = np.random.default_rng(13)
    out_g, out_c, _, _ = decode_pair(rng, ratio=2, nq=2, n_blocks=0, n_res=40, bits=8)
    assert rel_l2(out_g, out_c) < PARITY
    out_g, out_c, _, _ = decode_pair(rng, ratio=2, nq=2, n_blocks=3, n_res=0, bits=8)
    assert rel_l2(out_g, out_c) < PARITY
    # 8-bit heads and residual rows: the warp kernel's stage already holds an 8-bit block (no relocated stage)
    out_g, out_c, _, _ = decode_pair(rng, ratio=2, nq=2, n_blocks=3, n_res=17, bits=8)
    assert rel_l2(out_g, out_c) < PARITY


def test_decode_writes_every_output_element():
    """out and lse start as NaN; the direct binding must overwrite all of them."""
    flashq_attention = _attention()
    rng = np.random.default_rng(17)
    B, Hkv, ratio, nq, D = 2, 2, 4, 3, 128
    k, v = make_kv(rng, B, Hkv, 64 * 6 + 9, D)
    q = rng.standard_normal((B, Hkv * ratio, nq, D)).astype(np.float16)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=[4, 2])
    out = _buffers.from_numpy(np.full(q.shape, np.nan, np.float16))
    lse = _buffers.from_numpy(np.full(q.shape[:3], np.nan, np.float32))
    _C.cuda_attention_kv(_buffers.from_numpy(q), gpu, out, lse, 1.0 / np.sqrt(D), False, False, 8, False)
    out_h, lse_h = _buffers.to_numpy(out).astype(np.float32), _buffers.to_numpy(lse)
    assert np.isfinite(out_h).all() and np.isfinite(lse_h).all()
    ref, ref_lse = flashq_attention(q, kv=quantize_kv(k, v, bits=[4, 2]), return_lse=True)
    assert rel_l2(out_h, ref) < PARITY
    np.testing.assert_allclose(lse_h, ref_lse, rtol=0, atol=2e-3)


@pytest.mark.parametrize("n_tokens, bits, bad, ratio, nq", [(64 * 6 + 9, [4, 2], np.nan, 4, 2), (64 * 3, 4, np.inf, 4, 2),
                                                             (40, 4, -np.inf, 4, 2), (64 * 5 + 3, 4, np.nan, 1, 1),
                                                             (64 * 4, [2, 4], np.inf, 2, 1)])
@pytest.mark.parametrize("residual", ["plan", "warp"])
def test_decode_rejects_non_finite_q_and_leaves_out_alone(monkeypatch, n_tokens, bits, bad, ratio, nq, residual):
    """SPEC section 1: a NaN or Inf in q is a ValueError naming q, on every kernel path (compressed blocks
    and residual rows, compressed only, residual only; one, two and eight query rows per KV head, which take
    the warp kernel's one-row, few-row and general forms; the residual rows in either kernel), and no output
    element is written. The warp kernel checks q itself. The next call on the same cache is correct: the flag
    of the failed call does not stick."""
    if residual == "warp":
        monkeypatch.setenv("TURBOATTN_DECODE_RESIDUAL", "warp")
    flashq_attention = _attention()
    rng = np.random.default_rng(seed("nonfinite-q", n_tokens))
    B, Hkv, D = 2, 2, 128
    k, v = make_kv(rng, B, Hkv, n_tokens, D)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), bits=bits)
    q = rng.standard_normal((B, Hkv * ratio, nq, D)).astype(np.float16)
    q_bad = q.copy()
    q_bad[1, Hkv * ratio - 1, nq - 1, 77] = bad
    sentinel = np.float16(1234.0)
    out = _buffers.from_numpy(np.full(q.shape, sentinel, np.float16))
    lse = _buffers.from_numpy(np.full(q.shape[:3], 1234.0, np.float32))
    with pytest.raises(ValueError, match="q contains NaN, Inf"):
        _C.cuda_attention_kv(_buffers.from_numpy(q_bad), gpu, out, lse, 1.0 / np.sqrt(D), False, False, 8, False)
    assert (_buffers.to_numpy(out) == sentinel).all(), "a kernel wrote out for a non-finite q"
    assert (_buffers.to_numpy(lse) == 1234.0).all(), "a kernel wrote lse for a non-finite q"
    with pytest.raises(ValueError, match="q contains NaN, Inf"):
        flashq_attention(_buffers.from_numpy(q_bad), kv=gpu)
    with pytest.raises(ValueError, match="q contains NaN, Inf"):  # BNHD: the check walks q by its strides
        flashq_attention(_buffers.from_numpy(np.ascontiguousarray(q_bad.transpose(0, 2, 1, 3))), kv=gpu,
                         layout="BNHD")
    got = _buffers.to_numpy(flashq_attention(_buffers.from_numpy(q), kv=gpu)).astype(np.float32)
    ref = np.asarray(flashq_attention(q, kv=quantize_kv(k, v, bits=bits))).astype(np.float32)
    assert rel_l2(got, ref) < PARITY
    # A larger cache next: the decode scratch grows and its look-back numbering restarts, q's check must not.
    k2, v2 = make_kv(rng, 4, Hkv, 64 * 20 + 3, D)
    q2 = rng.standard_normal((4, Hkv * ratio, nq, D)).astype(np.float16)
    got = _buffers.to_numpy(flashq_attention(_buffers.from_numpy(q2), kv=quantize_kv_cuda(
        _buffers.from_numpy(k2), _buffers.from_numpy(v2), bits=bits))).astype(np.float32)
    ref = np.asarray(flashq_attention(q2, kv=quantize_kv(k2, v2, bits=bits))).astype(np.float32)
    assert rel_l2(got, ref) < PARITY


def test_decode_after_appends_tracks_the_cpu_cache():
    """Decode steps as a model would run them: append one token, attend, repeat."""
    flashq_attention = _attention()
    rng = np.random.default_rng(19)
    B, Hkv, ratio, D = 1, 2, 4, 64
    k, v = make_kv(rng, B, Hkv, 64 * 2 + 60, D)
    cpu = quantize_kv(k[:, :, :64 * 2 + 60 - 6], v[:, :, :64 * 2 + 60 - 6])
    gpu = quantize_kv_cuda(_buffers.from_numpy(k[:, :, :64 * 2 + 54].copy()), _buffers.from_numpy(v[:, :, :64 * 2 + 54].copy()))
    for t in range(64 * 2 + 54, 64 * 2 + 60):
        kt, vt = np.ascontiguousarray(k[:, :, t:t + 1]), np.ascontiguousarray(v[:, :, t:t + 1])
        cpu.append(kt, vt)
        gpu.append(_buffers.from_numpy(kt), _buffers.from_numpy(vt))
        q = rng.standard_normal((B, Hkv * ratio, 1, D)).astype(np.float16)
        out_g = _buffers.to_numpy(flashq_attention(_buffers.from_numpy(q), kv=gpu)).astype(np.float32)
        out_c = np.asarray(flashq_attention(q, kv=cpu)).astype(np.float32)
        assert rel_l2(out_g, out_c) < PARITY
    assert_same_cache(gpu, cpu)


def test_decode_follows_the_cache_as_its_arrays_grow():
    """The C view kept on the cache (_c_kv) must follow every array replaced when capacity doubles: decode after
    each append, across two growths, against the CPU cache."""
    flashq_attention = _attention()
    rng = np.random.default_rng(31)
    B, Hkv, ratio, D, n0 = 2, 2, 4, 64, 64 * 2 + 61
    k, v = make_kv(rng, B, Hkv, n0 + 3 + 130, D)
    cpu = quantize_kv(k[:, :, :n0], v[:, :, :n0], bits=[4, 2])
    gpu = quantize_kv_cuda(_buffers.from_numpy(k[:, :, :n0].copy()), _buffers.from_numpy(v[:, :, :n0].copy()),
                           bits=[4, 2])
    assert gpu.k_codes.shape[0] == 2  # capacity of exactly the compressed blocks
    steps = [(n0 + i, n0 + i + 1) for i in range(3)] + [(n0 + 3, n0 + 3 + 130)]
    for lo, hi in [(None, None)] + steps:
        if lo is not None:
            kt, vt = np.ascontiguousarray(k[:, :, lo:hi]), np.ascontiguousarray(v[:, :, lo:hi])
            cap, view = gpu.k_codes.shape[0], gpu._c_kv
            cpu.append(kt, vt)
            gpu.append(_buffers.from_numpy(kt), _buffers.from_numpy(vt))
            # a new view exactly when the arrays were replaced (compressing a block reads the cache again)
            assert (gpu._c_kv is view) == (gpu.k_codes.shape[0] == cap)
        q = rng.standard_normal((B, Hkv * ratio, 1, D)).astype(np.float16)
        out_g = _buffers.to_numpy(flashq_attention(_buffers.from_numpy(q), kv=gpu)).astype(np.float32)
        out_c = np.asarray(flashq_attention(q, kv=cpu)).astype(np.float32)
        assert gpu._c_kv is not None
        assert rel_l2(out_g, out_c) < PARITY
    assert gpu.k_codes.shape[0] == 8  # grew twice: 2 -> 4 -> 8
    assert_same_cache(gpu, cpu)


def test_capacity_leaves_room_for_appends():
    rng = np.random.default_rng(37)
    k, v = make_kv(rng, 1, 2, 64 * 3 + 5, 64)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), capacity=6)
    assert gpu.k_codes.shape[0] == 6
    arrays = gpu.k_codes
    more_k, more_v = make_kv(rng, 1, 2, 64 * 3 - 5, 64)
    gpu.append(_buffers.from_numpy(more_k), _buffers.from_numpy(more_v))
    assert gpu.n_blocks == 6 and gpu.k_codes is arrays  # filled, not grown
    cpu = quantize_kv(np.concatenate([k, more_k], axis=2), np.concatenate([v, more_v], axis=2))
    assert_same_cache(gpu, cpu)
    with pytest.raises(ValueError, match="capacity"):
        quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v), capacity=2)


def test_decode_rejects_mismatched_q():
    flashq_attention = _attention()
    rng = np.random.default_rng(23)
    k, v = make_kv(rng, 1, 2, 100, 64)
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v))
    with pytest.raises(ValueError):
        flashq_attention(_buffers.from_numpy(np.zeros((1, 4, 1, 128), np.float16) + 1), kv=gpu)
    with pytest.raises(ValueError):
        flashq_attention(_buffers.from_numpy(np.ones((1, 3, 1, 64), np.float16)), kv=gpu)
    with pytest.raises((TypeError, ValueError)):
        flashq_attention(np.ones((1, 4, 1, 64), np.float16), kv=gpu)  # host q, device cache


def test_torch_tensors_and_bnhd_layout():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(29)
    k, v = make_kv(rng, 1, 2, 64 + 7, 64)
    kt = torch.from_numpy(np.ascontiguousarray(k.transpose(0, 2, 1, 3))).cuda()
    vt = torch.from_numpy(np.ascontiguousarray(v.transpose(0, 2, 1, 3))).cuda()
    gpu = quantize_kv_cuda(kt, vt, layout="BNHD")
    assert_same_cache(gpu, quantize_kv(k, v))
    gpu.append(kt[:, :1], vt[:, :1], layout="BNHD")
    assert gpu.n_tokens == 64 + 8


@pytest.mark.skipif(_C.cuda_device_count() < 2, reason="needs two CUDA devices")
def test_cache_on_the_second_gpu_while_the_first_is_current():
    """Compression, append and decode run on the data's GPU, whatever device is current, and keep their
    per-device scratch apart; q on another GPU than the cache is refused."""
    flashq_attention = _attention()
    rng = np.random.default_rng(seed("gpu1"))
    B, H, N, D = 1, 4, 64 * 5 + 9, 128
    k, v = make_kv(rng, B, H, N, D)
    q = rng.standard_normal((B, 2 * H, 1, D)).astype(np.float16)
    cpu = quantize_kv(k[:, :, :-1], v[:, :, :-1], bits=[4, 2, 4, 2])
    cpu.append(k[:, :, -1:], v[:, :, -1:])
    want = flashq_attention(q, kv=cpu)
    for _ in range(2):  # the second pass reuses the per-device scratch
        for dev in (0, 1):
            gpu = quantize_kv_cuda(_buffers.from_numpy(k[:, :, :-1], dev), _buffers.from_numpy(v[:, :, :-1], dev),
                                   bits=[4, 2, 4, 2])
            gpu.append(_buffers.from_numpy(np.ascontiguousarray(k[:, :, -1:]), dev),
                       _buffers.from_numpy(np.ascontiguousarray(v[:, :, -1:]), dev))
            assert_same_cache(gpu, cpu)
            got = _buffers.to_numpy(flashq_attention(_buffers.from_numpy(q, dev), kv=gpu))
            assert rel_l2(got, want) < PARITY
    with pytest.raises(ValueError, match="one GPU|cuda:"):
        flashq_attention(_buffers.from_numpy(q, 0), kv=gpu)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_values_beyond_the_input_range_are_refused(dtype):
    """Finite values beyond 2^48 (csrc/ta_consts.h: they could overflow the float32 scores, which then came out as
    an all-zero output) are refused like NaN and Inf: by the cache's construction, by append (the 16-bit and the
    strided check), and by decode's q check on the warp kernel's one-row and few-row forms; exactly 2^48 is
    accepted, and the decode then matches the CPU."""
    flashq_attention = _attention()
    rng = np.random.default_rng(seed("input-range", dtype))
    k, v = make_kv(rng, 1, 2, 130, 64, dtype)
    big = k.copy()
    big[0, 1, 100, 5] = 1e20
    with pytest.raises(ValueError, match="k contains NaN, Inf or values beyond 2"):
        quantize_kv_cuda(_buffers.from_numpy(big), _buffers.from_numpy(v))
    gpu = quantize_kv_cuda(_buffers.from_numpy(k), _buffers.from_numpy(v))
    before = gpu.to_cpu()
    for n in (1, 70):  # within the window; filling blocks
        bad = np.concatenate([v, v], axis=2)[:, :, :n].copy()
        bad[0, 0, n - 1, 3] = -3e14  # just beyond 2^48 = 2.8e14
        with pytest.raises(ValueError, match="v_new"):
            gpu.append(_buffers.from_numpy(np.concatenate([k, k], axis=2)[:, :, :n].copy()), _buffers.from_numpy(bad))
        torch = pytest.importorskip("torch")
        kt, vt = (torch.from_numpy(x.astype(np.float32)).to("cuda", getattr(torch, dtype)).transpose(1, 2).contiguous()
                  for x in (np.concatenate([k, k], axis=2)[:, :, :n], bad))
        with pytest.raises(ValueError, match="v_new"):  # BNHD, a strided view: the check walks it by its strides
            gpu.append(kt, vt, layout="BNHD")
    assert_same_cache(gpu, before)
    for ratio in (1, 2):  # one row and two rows a KV head
        q = rng.standard_normal((1, 2 * ratio, 1, 64)).astype(_dtype(dtype))
        q[0, -1, 0, 9] = 1e20
        with pytest.raises(ValueError, match="q contains NaN, Inf or values beyond 2"):
            flashq_attention(_buffers.from_numpy(q), kv=gpu)
        q[0, -1, 0, 9] = 2.0**48
        got = _buffers.to_numpy(flashq_attention(_buffers.from_numpy(q), kv=gpu)).astype(np.float64)
        want = flashq_attention(q, kv=quantize_kv(k, v)).astype(np.float64)
        assert np.isfinite(got).all() and rel_l2(got, want) < 2e-3
