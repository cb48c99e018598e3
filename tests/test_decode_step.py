"""Decode steps that append: flashq_attention(q, kv=cache, k_new=..., v_new=...) must equal
cache.append(k_new, v_new) followed by flashq_attention(q, kv=cache), bit for bit, and a call that raises must
leave the cache as it was. On the CPU the step is those two calls with a rollback; on a CUDA cache tokens that fit
the residual window without filling it are appended in the attention's own launches (csrc/attn_decode.cu,
ta_attention_kv_step_cuda), and the rest take the CPU's route. The CUDA half is skipped without a device."""
import zlib

import numpy as np
import pytest

import turboattn as ta
from turboattn import _C

ARRAYS = ("k_codes", "k_group_step", "k_group_zero", "k_block_scale", "v_codes", "v_group_step", "v_group_zero",
          "v_block_scale")
# A step with 3 residual rows, then: single tokens across a block boundary, a chunk that fills the window exactly,
# one that wraps (its tail overwrites the window's first rows), and a few more single tokens.
CHUNKS = (1, 1, 59, 1, 1, 3, 70, 1, 1)
# 8-bit cache against float64 attention on these inputs (D = 64, three x20 key channels, one query row): worst
# rel L2 0.134 over 12 other seeds and every step, times 1.25.
OUTLIER_8BIT_FLOAT64 = 0.17
has_cuda = _C.BUILT_WITH_CUDA and _C.cuda_device_count() > 0
needs_cuda = pytest.mark.skipif(not has_cuda, reason="needs turboattn built with CUDA and a CUDA device")


def seed(*parts):
    return zlib.crc32(repr(parts).encode())


def tokens(rng, B, H, N, D, dtype=np.float16):
    """Gaussian K and V with three x20 key channels."""
    k = rng.standard_normal((B, H, N, D)).astype(np.float32)
    v = rng.standard_normal((B, H, N, D)).astype(np.float32)
    k[..., rng.choice(D, 3, replace=False)] *= 20.0
    return k.astype(dtype), v.astype(dtype)


def cache_state(cache):
    """Counts, every used array row and the used residual rows of a CPU or CUDA cache, as host bytes."""
    host = cache.to_cpu() if hasattr(cache, "to_cpu") else cache
    r = host.n_residual
    state = {"counts": (host.n_blocks, r)}
    for name in ARRAYS:
        state[name] = np.asarray(getattr(host, name)).view(np.uint8).tobytes()
    for name in ("residual_k", "residual_v"):
        state[name] = np.asarray(getattr(host, name))[:, :, :r].view(np.uint8).tobytes()
    return state


def steps(B=1, Hkv=2, ratio=4, D=64, start=131, seed_parts=()):
    """(k, v of the start, then one (q, k_new, v_new) per CHUNKS entry) for a cache that starts with `start` tokens."""
    rng = np.random.default_rng(seed(*seed_parts))
    k, v = tokens(rng, B, Hkv, start + sum(CHUNKS), D)
    out, at = [], start
    for n in CHUNKS:
        q = rng.standard_normal((B, Hkv * ratio, 1, D)).astype(np.float16)
        out.append((q, np.ascontiguousarray(k[:, :, at:at + n]), np.ascontiguousarray(v[:, :, at:at + n])))
        at += n
    return k, v, start, out


# ---- CPU ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits", [8, [4, 2]])
def test_cpu_step_equals_append_then_attend(bits):
    k, v, start, seq = steps(seed_parts=("cpu", str(bits)))
    stepped = ta.quantize_kv(k[:, :, :start], v[:, :, :start], bits=bits)
    plain = ta.quantize_kv(k[:, :, :start], v[:, :, :start], bits=bits)
    n_tokens = start
    for q, kn, vn in seq:
        out_s, lse_s = ta.flashq_attention(q, kv=stepped, k_new=kn, v_new=vn, return_lse=True)
        plain.append(kn, vn)
        out_p, lse_p = ta.flashq_attention(q, kv=plain, return_lse=True)
        n_tokens += kn.shape[2]
        assert stepped.n_tokens == n_tokens
        assert np.array_equal(out_s.view(np.uint16), out_p.view(np.uint16))
        assert np.array_equal(lse_s, lse_p)
        if bits == 8:  # and the step attends to its own tokens: float64 attention over every token so far
            ref = ta.reference_attention(q.astype(np.float64), k[:, :, :n_tokens].astype(np.float64),
                                         v[:, :, :n_tokens].astype(np.float64))
            assert ta.rel_l2(out_s.astype(np.float64), ref) < OUTLIER_8BIT_FLOAT64
    assert cache_state(stepped) == cache_state(plain)


def test_cpu_step_that_raises_leaves_the_cache():
    k, v, start, seq = steps(seed_parts=("cpu-raises",))
    cache = ta.quantize_kv(k[:, :, :start + 60], v[:, :, :start + 60])  # 3 + 60 residual rows: the next 70 wrap
    before = cache_state(cache)
    q, kn, vn = seq[0]
    long_k, long_v = (np.concatenate([x] * 70, axis=2) for x in (kn, vn))
    bad_q = q.copy()
    bad_q[0, 5, 0, 9] = np.nan
    with pytest.raises(ValueError, match="q contains NaN"):  # after the append, which wrapped the window
        ta.flashq_attention(bad_q, kv=cache, k_new=long_k, v_new=long_v)
    assert cache_state(cache) == before
    with pytest.raises(ValueError, match="head dim"):
        ta.flashq_attention(q[..., :32].copy(), kv=cache, k_new=long_k, v_new=long_v)
    assert cache_state(cache) == before
    with pytest.raises(ValueError, match="q contains NaN"):  # one token: fills the window exactly, compresses it
        ta.flashq_attention(bad_q, kv=cache, k_new=kn, v_new=vn)
    assert cache_state(cache) == before
    bad_v = vn.copy()
    bad_v[0, 1, 0, 3] = np.inf
    with pytest.raises(ValueError, match="v_new"):
        ta.flashq_attention(q, kv=cache, k_new=kn, v_new=bad_v)
    assert cache_state(cache) == before
    out = ta.flashq_attention(q, kv=cache, k_new=kn, v_new=vn)  # and the cache still works
    assert cache.n_tokens == start + 61 and np.isfinite(out.astype(np.float32)).all()


def test_step_arguments():
    k, v, start, seq = steps(seed_parts=("args",))
    cache = ta.quantize_kv(k[:, :, :start], v[:, :, :start])
    q, kn, vn = seq[0]
    with pytest.raises(TypeError, match="together"):
        ta.flashq_attention(q, kv=cache, k_new=kn)
    with pytest.raises(TypeError, match="kv="):
        ta.flashq_attention(q, k[:, :, :start], v[:, :, :start], k_new=kn, v_new=vn)
    with pytest.raises(TypeError, match="dtype"):
        ta.flashq_attention(q, kv=cache, k_new=kn.astype(np.float32), v_new=vn.astype(np.float32))
    assert cache.n_tokens == start


# ---- CUDA ---------------------------------------------------------------------------------------------------------

def _cuda():
    from turboattn import _buffers
    from turboattn.cuda_kv import quantize_kv_cuda
    return _buffers, quantize_kv_cuda


# A fused step's residual rows on either kernel; its take_tokens and first decode kernel launched after the kernels
# before them (step0) instead of as programmatic dependent launches (where the first decode kernel reads the new rows
# from k_new and v_new while take_tokens copies them into the window), or take_tokens alone so (take0).
STEP_KNOBS = [None, ("TURBOATTN_DECODE_RESIDUAL", "warp"), ("TURBOATTN_DECODE_RESIDUAL", "cta"),
              ("TURBOATTN_DECODE_PDL", "step0"), ("TURBOATTN_DECODE_PDL", "take0")]


@needs_cuda
@pytest.mark.parametrize("knob", STEP_KNOBS)
@pytest.mark.parametrize("bits,ratio,D,dtype", [(4, 4, 128, np.float16), ([4, 2], 1, 64, np.float16),
                                                (2, 8, 128, np.float32), ([4, 2], 1, 96, np.float16)])
def test_cuda_step_equals_append_then_attend(monkeypatch, bits, ratio, D, dtype, knob):
    """Fused steps (tokens that fit the window) and the others alike: the same bits as append + attend on the GPU,
    the CPU's cache byte for byte, and the CPU step's output within SPEC section 6's 2e-3."""
    if knob:
        monkeypatch.setenv(*knob)
    _buffers, quantize_kv_cuda = _cuda()
    k, v, start, seq = steps(ratio=ratio, D=D, seed_parts=("cuda", str(bits), ratio, D))
    k, v = k.astype(dtype), v.astype(dtype)
    dev = _buffers.from_numpy
    stepped = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()), bits=bits)
    plain = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()), bits=bits)
    cpu = ta.quantize_kv(k[:, :, :start], v[:, :, :start], bits=bits)
    for q, kn, vn in seq:
        q, kn, vn = q.astype(dtype), kn.astype(dtype), vn.astype(dtype)
        out_s, lse_s = ta.flashq_attention(dev(q), kv=stepped, k_new=dev(kn), v_new=dev(vn), return_lse=True)
        plain.append(dev(kn), dev(vn))
        out_p, lse_p = ta.flashq_attention(dev(q), kv=plain, return_lse=True)
        out_c = ta.flashq_attention(q, kv=cpu, k_new=kn, v_new=vn)
        a, b = _buffers.to_numpy(out_s), _buffers.to_numpy(out_p)
        assert np.array_equal(a.view(np.uint8), b.view(np.uint8))
        assert np.array_equal(_buffers.to_numpy(lse_s), _buffers.to_numpy(lse_p))
        assert ta.rel_l2(a.astype(np.float64), out_c.astype(np.float64)) < 2e-3
        assert stepped.n_tokens == cpu.n_tokens
    assert cache_state(stepped) == cache_state(cpu)


@needs_cuda
@pytest.mark.parametrize("softmax", ["sas", "exact"])
def test_cuda_multi_token_causal_steps(softmax):
    """Steps of several tokens with as many query rows, causal (each row sees the keys up to its own, as in
    speculative decoding's verification), fused (chunks within the window) and not (the chunk of 40 that fills it)."""
    _buffers, quantize_kv_cuda = _cuda()
    rng = np.random.default_rng(seed("multi", softmax))
    B, Hkv, ratio, D, start, chunks = 2, 2, 4, 128, 64 * 2 + 9, (3, 5, 1, 40, 7, 2)
    k, v = tokens(rng, B, Hkv, start + sum(chunks), D)
    dev = _buffers.from_numpy
    stepped = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()))
    plain = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()))
    cpu = ta.quantize_kv(k[:, :, :start], v[:, :, :start])
    at = start
    for n in chunks:
        q = rng.standard_normal((B, Hkv * ratio, n, D)).astype(np.float16)
        kn, vn = np.ascontiguousarray(k[:, :, at:at + n]), np.ascontiguousarray(v[:, :, at:at + n])
        at += n
        opts = dict(causal=True, softmax=softmax)
        got = _buffers.to_numpy(ta.flashq_attention(dev(q), kv=stepped, k_new=dev(kn), v_new=dev(vn), **opts))
        plain.append(dev(kn), dev(vn))
        want = _buffers.to_numpy(ta.flashq_attention(dev(q), kv=plain, **opts))
        ref = ta.flashq_attention(q, kv=cpu, k_new=kn, v_new=vn, **opts)
        assert np.array_equal(got.view(np.uint16), want.view(np.uint16))
        assert ta.rel_l2(got.astype(np.float64), ref.astype(np.float64)) < 2e-3
    assert cache_state(stepped) == cache_state(cpu)


@needs_cuda
@pytest.mark.parametrize("bad", ["k_new", "v_new", "q", "q and k_new"])
@pytest.mark.parametrize("knob", [None, ("TURBOATTN_DECODE_KERNEL", "cta"), ("TURBOATTN_DECODE_RESIDUAL", "warp"),
                                  ("TURBOATTN_DECODE_RESIDUAL", "cta")])
def test_cuda_step_refuses_bad_input_and_changes_nothing(monkeypatch, bad, knob):
    """A non-finite q, k_new or v_new in a fused step: ValueError naming it (the new tokens first), out and lse as
    they were, the cache as it was, and the next step as if the bad one had not happened."""
    if knob:
        monkeypatch.setenv(*knob)
    _buffers, quantize_kv_cuda = _cuda()
    k, v, start, seq = steps(ratio=4, D=128, start=64 * 3 + 17, seed_parts=("refuse", bad, str(knob)))
    dev = _buffers.from_numpy
    cache = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()))
    twin = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()))
    before = cache_state(cache)
    q, kn, vn = seq[5]  # three tokens
    bq, bk, bv = q.copy(), kn.copy(), vn.copy()
    if "q" in bad:
        bq[0, 6, 0, 100] = np.nan
    if "k_new" in bad:
        bk[0, 1, 2, 0] = -np.inf
    if bad == "v_new":
        bv[0, 0, 1, 64] = np.nan
    poison = np.full(q.shape, 7.0, np.float16)
    out, lse = dev(poison.copy()), dev(np.full(q.shape[:3], 3.0, np.float32))
    name = "k_new" if "k_new" in bad else bad
    with pytest.raises(ValueError, match=f"{name} contains NaN, Inf"):
        ta.flashq_attention(dev(bq), kv=cache, k_new=dev(bk), v_new=dev(bv), out=out)
    assert np.array_equal(_buffers.to_numpy(out), poison)
    assert cache_state(cache) == before
    with pytest.raises(ValueError, match=f"{name} contains NaN, Inf"):  # and with outputs made by the call
        ta.flashq_attention(dev(bq), kv=cache, k_new=dev(bk), v_new=dev(bv), return_lse=True)
    assert cache_state(cache) == before
    got = ta.flashq_attention(dev(q), kv=cache, k_new=dev(kn), v_new=dev(vn), out=out)
    twin.append(dev(kn), dev(vn))
    want = ta.flashq_attention(dev(q), kv=twin)
    assert np.array_equal(_buffers.to_numpy(got).view(np.uint16), _buffers.to_numpy(want).view(np.uint16))
    assert cache_state(cache) == cache_state(twin)
    del lse


@needs_cuda
def test_cuda_steps_that_fill_or_wrap_the_window_roll_back():
    """The steps that take append's route on a CUDA cache: one token into a window of 63 rows (it fills and is
    compressed) and 70 tokens (the tail wraps over the window's rows), each with a non-finite q."""
    _buffers, quantize_kv_cuda = _cuda()
    k, v, start, seq = steps(ratio=4, D=128, start=64 * 2 + 63, seed_parts=("roll back",))
    dev = _buffers.from_numpy
    cache = quantize_kv_cuda(dev(k[:, :, :start].copy()), dev(v[:, :, :start].copy()))
    cpu = ta.quantize_kv(k[:, :, :start], v[:, :, :start])
    before = cache_state(cache)
    q, kn, vn = seq[0]
    bad_q = q.copy()
    bad_q[0, 3, 0, 1] = np.inf
    for n in (1, 70):
        k_new, v_new = (np.ascontiguousarray(np.concatenate([x] * n, axis=2)) for x in (kn, vn))
        with pytest.raises(ValueError, match="q contains NaN, Inf"):
            ta.flashq_attention(dev(bad_q), kv=cache, k_new=dev(k_new), v_new=dev(v_new))
        assert cache_state(cache) == before
    got = ta.flashq_attention(dev(q), kv=cache, k_new=dev(kn), v_new=dev(vn))
    want = ta.flashq_attention(q, kv=cpu, k_new=kn, v_new=vn)
    assert ta.rel_l2(_buffers.to_numpy(got).astype(np.float64), want.astype(np.float64)) < 2e-3
    assert cache_state(cache) == cache_state(cpu)


@needs_cuda
def test_cuda_step_with_torch_bnhd_tensors():
    torch = pytest.importorskip("torch")
    _buffers, quantize_kv_cuda = _cuda()
    k, v, start, seq = steps(ratio=2, D=64, seed_parts=("torch",))
    cache = quantize_kv_cuda(_buffers.from_numpy(k[:, :, :start].copy()), _buffers.from_numpy(v[:, :, :start].copy()))
    cpu = ta.quantize_kv(k[:, :, :start], v[:, :, :start])
    bnhd = lambda x: torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1, 3))).cuda()  # noqa: E731
    for q, kn, vn in seq[:3]:
        got = ta.flashq_attention(bnhd(q), kv=cache, k_new=bnhd(kn), v_new=bnhd(vn), layout="BNHD")
        want = ta.flashq_attention(q, kv=cpu, k_new=kn, v_new=vn)
        got = torch.from_dlpack(got).cpu().numpy().transpose(0, 2, 1, 3).astype(np.float64)
        assert ta.rel_l2(got, want.astype(np.float64)) < 2e-3
    assert cache_state(cache) == cache_state(cpu)


@needs_cuda
@pytest.mark.parametrize("knob", STEP_KNOBS[:3])
def test_cuda_step_reads_unaligned_strided_new_tokens(monkeypatch, knob):
    """k_new and v_new as views that the 16-byte row loads cannot take (rows 2 bytes off alignment, row stride not a
    multiple of 8), while the window can: the residual rows' readers take every row element by element, and the step
    still equals append + attend bit for bit."""
    torch = pytest.importorskip("torch")
    if knob:
        monkeypatch.setenv(*knob)
    _buffers, quantize_kv_cuda = _cuda()
    k, v, start, seq = steps(ratio=4, D=128, start=64 * 3 + 20, seed_parts=("strided",))
    dev = lambda x: torch.from_numpy(np.ascontiguousarray(x)).cuda()  # noqa: E731
    host = lambda x: torch.from_dlpack(x).cpu().numpy()  # noqa: E731
    stepped = quantize_kv_cuda(dev(k[:, :, :start]), dev(v[:, :, :start]))
    plain = quantize_kv_cuda(dev(k[:, :, :start]), dev(v[:, :, :start]))
    cpu = ta.quantize_kv(k[:, :, :start], v[:, :, :start])

    def odd_view(x):
        wide = torch.zeros(x.shape[:3] + (x.shape[3] + 1,), dtype=torch.float16, device="cuda")
        wide[..., 1:] = dev(x)
        return wide[..., 1:]

    for q, kn, vn in seq[:2] + seq[3:6]:  # single tokens and a chunk of 3; not the chunk that fills the window
        got = host(ta.flashq_attention(dev(q), kv=stepped, k_new=odd_view(kn), v_new=odd_view(vn)))
        plain.append(dev(kn), dev(vn))
        want = host(ta.flashq_attention(dev(q), kv=plain))
        assert np.array_equal(got.view(np.uint16), want.view(np.uint16))
        ref = ta.flashq_attention(q, kv=cpu, k_new=kn, v_new=vn)
        assert ta.rel_l2(got.astype(np.float64), ref.astype(np.float64)) < 2e-3
    assert cache_state(stepped) == cache_state(cpu)
