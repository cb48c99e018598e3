"""An independent NumPy model of SPEC sections 1-3, written from the spec text (not from csrc/attn.c).

Quantization follows SPEC section 1 in float32 (it is defined there in float32); scores, the online
softmax and the accumulators run in float64, so the model differs from the C path only by float32
rounding of statistics (expected agreement ~1e-5..1e-4 relative L2, a little more where a P code flips
at a rounding boundary). EXP2 is either exact or SAS emulated with np.float16 (each Horner step one
float64 multiply-add rounded once to float16, which is exact for float16 operands, like a float16 FMA).
"""
import numpy as np

LOG2E = np.log2(np.e)
FLT_MIN = np.finfo(np.float32).tiny


def sas_coefficients_f16(coeffs):
    """(c0, c1, c2, c3) doubles -> float16, passing through float32 first as the spec's C and CUDA do."""
    return [np.float16(np.float32(c)) for c in coeffs]


def sas_exp2_f16(t, coeffs, threshold=8):
    """SPEC section 3 SAS EXP2 of t <= 0 (any float array), returned as float64 values of float16 numbers.

    Below -threshold (and -inf) the result is 0. Otherwise -t = n + f, 2^-n exact, 2^-f by a float16 cubic.
    """
    t = np.asarray(t, dtype=np.float32)
    keep = t >= np.float32(-threshold)
    nt = np.where(keep, -t, np.float32(0))
    n = np.floor(nt)
    f = (nt - n).astype(np.float16).astype(np.float64)  # nt - n is exact in float32
    c0, c1, c2, c3 = (float(c) for c in sas_coefficients_f16(coeffs))
    p = (f * c3 + c2).astype(np.float16).astype(np.float64)
    p = (f * p + c1).astype(np.float16).astype(np.float64)
    p = (f * p + c0).astype(np.float16).astype(np.float64)
    out = np.ldexp(p, -n.astype(np.int64)).astype(np.float16).astype(np.float64)
    return np.where(keep, out, 0.0)


def quantize_int8_blocks(x, block):
    """SPEC section 1 along axis -2 of x [..., N, D]: (codes int64 [..., N, D], scales float32 [..., ceil(N/block)]).

    A block whose amax is below FLT_MIN is all zero with scale 0 (127 / amax would overflow).
    """
    x = np.asarray(x, dtype=np.float32)
    N = x.shape[-2]
    nb = -(-N // block)
    codes = np.zeros(x.shape, dtype=np.int64)
    scales = np.zeros(x.shape[:-2] + (nb,), dtype=np.float32)
    for j in range(nb):
        blk = x[..., j * block:(j + 1) * block, :]
        amax = np.abs(blk).max(axis=(-2, -1)).astype(np.float32)
        ok = amax >= FLT_MIN
        safe = np.where(ok, amax, np.float32(1))
        inv = (np.float32(127) / safe).astype(np.float32)
        c = np.clip(np.rint(blk * inv[..., None, None]), -127, 127)
        codes[..., j * block:(j + 1) * block, :] = np.where(ok[..., None, None], c, 0).astype(np.int64)
        scales[..., j] = np.where(ok, amax / np.float32(127), np.float32(0))
    return codes, scales


def _exp2(t, exact, coeffs, threshold):
    if exact:
        with np.errstate(under="ignore"):
            return np.exp2(t)
    return sas_exp2_f16(t, coeffs, threshold)


def spec_attention(q, k, v, *, causal=False, sm_scale=None, exact=True, p_scale="row", threshold=8,
                   coeffs=(1.0, -0.69158777, 0.23115976, -0.03961682), block_q=64, block_k=64):
    """SPEC sections 1-2 on q [B, Hq, Nq, D], k, v [B, Hkv, Nk, D] (any float dtype, BHND).

    Returns (out float64 [B, Hq, Nq, D], lse float64 [B, Hq, Nq]).
    """
    q8, sq = quantize_int8_blocks(q, block_q)
    k8, sk = quantize_int8_blocks(k, block_k)
    v8, sv = quantize_int8_blocks(v, block_k)
    q_row_scale = np.repeat(sq, block_q, axis=-1)[..., :q8.shape[2]]
    return attention_on_codes(q8, q_row_scale, k8, sk, v8, sv, block_k=block_k, causal=causal,
                              sm_scale=sm_scale, exact=exact, p_scale=p_scale, threshold=threshold, coeffs=coeffs)


def attention_on_codes(q8, q_row_scale, k8, k_block_scale, v8, v_block_scale, *, block_k, causal=False,
                       sm_scale=None, exact=True, p_scale="row", threshold=8,
                       coeffs=(1.0, -0.69158777, 0.23115976, -0.03961682), k_key_scale=None):
    """SPEC section 2 given the INT8 codes: q8 [B, Hq, Nq, D] with one scale per row [B, Hq, Nq] (a block
    scale repeated over its rows, or per-row scales for decode), k8, v8 [B, Hkv, Nk, D] with one scale per
    key block of block_k rows [B, Hkv, ceil(Nk / block_k)]; k_key_scale [B, Hkv, Nk], if given, replaces
    the key block scales by one scale per key (qk_scale="token"). Returns (out, lse) in float64.
    """
    q8, k8, v8 = (np.asarray(x, dtype=np.int64) for x in (q8, k8, v8))
    B, Hq, Nq, D = q8.shape
    Hkv, Nk = k8.shape[1], k8.shape[2]
    group = Hq // Hkv
    if sm_scale is None:
        sm_scale = 1.0 / np.sqrt(D)
    score_scale = float(np.float32(sm_scale)) * LOG2E
    rows = np.arange(Nq)
    out = np.zeros((B, Hq, Nq, D))
    lse = np.full((B, Hq, Nq), -np.inf)
    for b in range(B):
        for h in range(Hq):
            hk = h // group
            qs = np.asarray(q_row_scale[b, h], dtype=np.float64)
            m = np.full(Nq, -np.inf)
            l = np.zeros(Nq)
            acc = np.zeros((Nq, D))
            for jb, j0 in enumerate(range(0, Nk, block_k)):
                cols = np.arange(j0, min(j0 + block_k, Nk))
                dots = q8[b, h] @ k8[b, hk, cols].T
                if k_key_scale is None:
                    S = dots * (qs[:, None] * float(k_block_scale[b, hk, jb]) * score_scale)
                else:
                    S = dots * (qs[:, None] * k_key_scale[b, hk, cols][None, :].astype(np.float64) * score_scale)
                visible = np.ones((Nq, len(cols)), dtype=bool)
                if causal:
                    visible = cols[None, :] <= rows[:, None] + (Nk - Nq)
                S = np.where(visible, S, -np.inf)
                live = visible.any(axis=1)  # a row with no visible key in this block is left as it is
                if not live.any():
                    continue
                row_max = np.where(live, S.max(axis=1), 0.0)
                m_new = np.where(live, np.maximum(m, row_max), 0.0)
                alpha = _exp2(np.where(live, m - m_new, 0.0), exact, coeffs, threshold)
                P = _exp2(np.where(visible, S - m_new[:, None], -np.inf), exact, coeffs, threshold)
                if p_scale == "fixed":
                    ps = np.full(Nq, 1.0 / 255.0)
                    p8 = np.minimum(255, np.rint(P * 255.0))
                else:
                    pmax = _exp2(row_max - m_new, exact, coeffs, threshold)
                    inv = np.divide(255.0, pmax, out=np.zeros_like(pmax), where=pmax > 0)
                    p8 = np.minimum(255, np.rint(P * inv[:, None]))
                    ps = pmax / 255.0
                pv = p8 @ v8[b, hk, cols]
                l = np.where(live, alpha * l + ps * p8.sum(axis=1), l)
                acc = np.where(live[:, None], alpha[:, None] * acc + pv * (ps * float(v_block_scale[b, hk, jb]))[:, None],
                               acc)
                m = np.where(live, m_new, m)
            ok = l > 0
            safe_l = np.where(ok, l, 1.0)
            out[b, h] = np.where(ok[:, None], acc / safe_l[:, None], 0.0)
            lse[b, h] = np.where(ok, (m + np.log2(safe_l)) * np.log(2.0), -np.inf)
    return out, lse


def spec_attention_options(q, k, v, *, qk_scale="block", k_smooth=False, qk_equalize=False, sm_scale=None,
                           block=64, **kw):
    """The accuracy options of docs/DESIGN.md on top of SPEC sections 1-2, written from their description:
    K minus its per-channel mean over all keys (float64 mean rounded to float32, float32 subtraction);
    s_c = sqrt(max|K_c| / max|Q_c|) in float32 per KV head (Q's maximum over the heads of its group; 1 where
    either is below FLT_MIN), Q_c * s_c and K_c / s_c; per-row scales for Q and per-key scales for K with
    qk_scale="token". Returns (out, lse), lse corrected by sm_scale * q . mean under k_smooth."""
    q = np.asarray(q, dtype=np.float32)
    k = np.asarray(k, dtype=np.float32)
    B, Hq, Nq, D = q.shape
    Hkv = k.shape[1]
    group = Hq // Hkv
    if sm_scale is None:
        sm_scale = 1.0 / np.sqrt(D)
    mean = np.zeros((B, Hkv, 1, D), np.float32)
    if k_smooth:
        mean = k.astype(np.float64).mean(axis=2, keepdims=True).astype(np.float32)
        k = (k - mean).astype(np.float32)
    q_t = q
    if qk_equalize:
        k_max = np.abs(k).max(axis=2, keepdims=True)                                          # [B, Hkv, 1, D]
        q_max = np.abs(q).reshape(B, Hkv, group * Nq, D).max(axis=2, keepdims=True)           # [B, Hkv, 1, D]
        ok = (k_max >= FLT_MIN) & (q_max >= FLT_MIN)
        s = np.where(ok, np.sqrt(k_max / np.where(ok, q_max, np.float32(1))), np.float32(1)).astype(np.float32)
        q_t = (q * np.repeat(s, group, axis=1)).astype(np.float32)
        k = (k / s).astype(np.float32)
    if qk_scale == "token":
        q8, q_row = quantize_int8_blocks(q_t, 1)
        k8, k_key = quantize_int8_blocks(k, 1)
        k_blocks = None
    else:
        q8, sq = quantize_int8_blocks(q_t, block)
        q_row = np.repeat(sq, block, axis=-1)[..., :Nq]
        k8, k_blocks = quantize_int8_blocks(k, block)
        k_key = None
    v8, sv = quantize_int8_blocks(v, block)
    out, lse = attention_on_codes(q8, q_row, k8, k_blocks, v8, sv, block_k=block, sm_scale=sm_scale,
                                  k_key_scale=k_key, **kw)
    if k_smooth:
        offset = np.einsum("bhnd,bhd->bhn", q.astype(np.float64), np.repeat(mean[:, :, 0], group, axis=1).astype(np.float64))
        lse = lse + float(np.float32(sm_scale)) * offset
    return out, lse
