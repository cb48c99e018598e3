"""An independent NumPy model of SPEC section 1 (stage-1 INT8 blocks) and section 4 (stage-2 groups of the
compressed KV cache, its byte layout from docs/DESIGN.md, and the default headwise mixed rule).

Written from the spec with whole-array NumPy operations, so that it shares no code and no loop structure
with csrc/quant.c; the tests compare the two bit for bit.
"""
import math

import numpy as np

FLT_MIN = np.finfo(np.float32).tiny
VALUE_GROUP = 64


def as_f32(x):
    """float16 / bfloat16 / float32 -> float32, exactly."""
    return np.asarray(x).astype(np.float32)


def stage1(x, block):
    """SPEC 1 over rows of [B, H, N, D]: codes int8 [B, H, N, D], scales float32 [B, H, ceil(N / block)]."""
    x = as_f32(x)
    B, H, N, D = x.shape
    n_blocks = -(-N // block)
    pad = n_blocks * block - N
    # Padding with zeros does not change a block's amax, and the padded rows are dropped afterwards.
    xp = np.concatenate([x, np.zeros((B, H, pad, D), np.float32)], axis=2).reshape(B, H, n_blocks, block, D)
    amax = np.abs(xp).max(axis=(3, 4))
    usable = amax >= FLT_MIN
    safe = np.where(usable, amax, np.float32(1.0)).astype(np.float32)
    inv = (np.float32(127.0) / safe).astype(np.float32)
    q = np.clip(np.rint(xp * inv[..., None, None]), -127, 127)
    q[~usable] = 0
    scales = np.where(usable, safe / np.float32(127.0), np.float32(0.0)).astype(np.float32)
    codes = q.astype(np.int8).reshape(B, H, n_blocks * block, D)[:, :, :N]
    return codes, scales


def stage2(codes, bits):
    """SPEC 4 over the last axis (one group per leading index): u, step, zero as int64 arrays."""
    x = codes.astype(np.int64)
    lo, hi = x.min(axis=-1), x.max(axis=-1)
    levels = 2 ** bits - 1
    step = np.maximum(1, -((lo - hi) // levels))  # ceil((hi - lo) / L) with floor division
    u = np.minimum(levels, (x - lo[..., None] + step[..., None] // 2) // step[..., None])
    return u, step, lo


def reconstruct(u, step, zero):
    return np.clip(u * step[..., None] + zero[..., None], -127, 127)


def pack(u, bits):
    """Packs codes along the last axis, little end first, padding the group to whole bytes."""
    per_byte = 8 // bits
    n = u.shape[-1]
    padded = np.zeros(u.shape[:-1] + (-(-n // per_byte) * per_byte,), np.int64)
    padded[..., :n] = u
    lanes = padded.reshape(u.shape[:-1] + (-1, per_byte))
    return sum(lanes[..., i] << (bits * i) for i in range(per_byte)).astype(np.uint8)


def key_layout(rows, bits):
    """The bytes of one (block, head, batch) of keys from its packed channel rows [..., D, cb]: at 4 and 2 bits the
    rows of each quad of channels are interleaved byte by byte (a last, partial quad over its own channels), at 8
    bits the rows stay whole (docs/DESIGN.md)."""
    if bits == 8:
        return rows.reshape(rows.shape[:-2] + (-1,))
    quads = [rows[..., q0:q0 + 4, :] for q0 in range(0, rows.shape[-2], 4)]  # [..., n, cb] each
    return np.concatenate([np.swapaxes(x, -1, -2).reshape(x.shape[:-2] + (-1,)) for x in quads], axis=-1)


def value_layout(rows, bits):
    """The bytes of one (block, head, batch) of values from its packed token rows [..., block, vrow]: the rows one
    after another, and at 4 and 2 bits the rows of each quad of tokens interleaved byte by byte (byte i of token
    4 m + r at 4 m vrow + 4 i + r), at 8 bits whole (docs/DESIGN.md)."""
    if bits == 8:
        return rows.reshape(rows.shape[:-2] + (-1,))
    *lead, T, w = rows.shape
    quads = rows.reshape(*lead, T // 4, 4, w)
    return np.swapaxes(quads, -1, -2).reshape(*lead, T * w)


def value_groups(D):
    return [(c0, min(D, c0 + VALUE_GROUP)) for c0 in range(0, D, VALUE_GROUP)]


def key_bytes(D, block, bits):
    return D * block * bits // 8


def value_row_bytes(D, bits):
    return sum(math.ceil((c1 - c0) * bits / 8) for c0, c1 in value_groups(D))


def quantize_kv(k, v, bits, block=64):
    """The compressed cache of [B, H, N, D] k and v with per-head bits, as a dict of arrays in the layout of
    docs/DESIGN.md, holding exactly the used rows, plus the residual rows and the reconstructions."""
    B, H, N, D = k.shape
    bits = [int(b) for b in bits]
    nb = N // block
    T = nb * block
    G = len(value_groups(D))
    kc, ks = stage1(as_f32(k)[:, :, :T], block)
    vc, vs = stage1(as_f32(v)[:, :, :T], block)
    kbytes = [key_bytes(D, block, b) for b in bits]
    vrow = [value_row_bytes(D, b) for b in bits]
    k_head_off = np.array([B * sum(kbytes[:h]) for h in range(H)], np.int64)
    vbytes = [block * w for w in vrow]
    v_head_off = np.array([B * sum(vbytes[:h]) for h in range(H)], np.int64)
    out = dict(
        bits=np.array(bits, np.uint8), k_head_off=k_head_off, v_head_off=v_head_off,
        k_codes=np.zeros((nb, B * sum(kbytes)), np.uint8),
        k_group_step=np.zeros((nb, H, B, D), np.uint8), k_group_zero=np.zeros((nb, H, B, D), np.int8),
        k_block_scale=ks.transpose(2, 1, 0).copy(),
        v_codes=np.zeros((nb, B * sum(vbytes)), np.uint8),
        v_group_step=np.zeros((nb, H, B, block, G), np.uint8), v_group_zero=np.zeros((nb, H, B, block, G), np.int8),
        v_block_scale=vs.transpose(2, 1, 0).copy(),
        k_hat=np.zeros((B, H, T, D), np.int64), v_hat=np.zeros((B, H, T, D), np.int64),
        k_int8=kc, v_int8=vc,
    )
    for h, b in enumerate(bits):
        # Keys: one group per (block, batch, channel) over the block's tokens.
        groups = kc[:, h].reshape(B, nb, block, D).transpose(1, 0, 3, 2)  # [nb, B, D, block]
        u, s, z = stage2(groups, b)
        out["k_codes"][:, k_head_off[h]: k_head_off[h] + B * kbytes[h]] = key_layout(pack(u, b), b).reshape(nb, -1)
        out["k_group_step"][:, h] = s
        out["k_group_zero"][:, h] = z
        out["k_hat"][:, h] = reconstruct(u, s, z).transpose(1, 0, 3, 2).reshape(B, T, D)
        # Values: one group per (token, batch, run of 64 channels).
        tokens = vc[:, h].transpose(1, 0, 2)  # [T, B, D]
        row = []
        for g, (c0, c1) in enumerate(value_groups(D)):
            u, s, z = stage2(tokens[:, :, c0:c1], b)
            row.append(pack(u, b))
            out["v_group_step"][:, h, :, :, g] = s.reshape(nb, block, B).transpose(0, 2, 1)
            out["v_group_zero"][:, h, :, :, g] = z.reshape(nb, block, B).transpose(0, 2, 1)
            out["v_hat"][:, h, :, c0:c1] = reconstruct(u, s, z).transpose(1, 0, 2)
        rows = np.concatenate(row, axis=-1).reshape(nb, block, B, vrow[h]).transpose(0, 2, 1, 3)  # [nb, B, block, vrow]
        out["v_codes"][:, v_head_off[h]: v_head_off[h] + B * vbytes[h]] = value_layout(rows, b).reshape(nb, -1)
    out["residual_k"] = np.asarray(k)[:, :, T:]
    out["residual_v"] = np.asarray(v)[:, :, T:]
    return out


def dequantize(model, block=64):
    """float32 [B, H, N, D] K and V: x̂ · block scale on compressed rows, residual rows as stored."""
    res = []
    for hat, scale, residual in (("k_hat", "k_block_scale", "residual_k"), ("v_hat", "v_block_scale", "residual_v")):
        x_hat = model[hat]
        B, H, T, D = x_hat.shape
        per_row = np.repeat(model[scale].transpose(2, 1, 0), block, axis=2)[..., None]  # [B, H, T, 1]
        comp = (x_hat.astype(np.float32) * per_row).astype(np.float32)
        res.append(np.concatenate([comp, as_f32(model[residual])], axis=2))
    return tuple(res)


def mixed_bits(k, v, frac_2bit, block=64):
    """SPEC 4 default mixed rule: round(frac·H) heads (round half up) with the smallest 2-bit relative error
    over K and V of the compressed blocks get 2 bits, the others 4; ties by head index."""
    B, H, N, D = k.shape
    n2 = int(math.floor(frac_2bit * H + 0.5))
    T = N // block * block
    err = np.zeros(H)
    if T:
        model = quantize_kv(k[:, :, :T], v[:, :, :T], [2] * H, block)
        kd, vd = dequantize(model, block)
        num = np.zeros(H)
        den = np.zeros(H)
        for approx, exact in ((kd, k[:, :, :T]), (vd, v[:, :, :T])):
            e = as_f32(exact).astype(np.float64)
            num += ((approx.astype(np.float64) - e) ** 2).sum(axis=(0, 2, 3))
            den += (e ** 2).sum(axis=(0, 2, 3))
        err = np.sqrt(np.where(den > 0, num / np.where(den > 0, den, 1), 0))
    order = sorted(range(H), key=lambda h: (err[h], h))
    bits = np.full(H, 4, np.uint8)
    bits[order[:n2]] = 2
    return bits


def nbytes(B, H, N, D, bits, itemsize, block=64):
    """SPEC 4 accounting for the layout: every used byte, the residual rows, the bit map and head offsets."""
    nb, r = divmod(N, block)
    G = len(value_groups(D))
    per_block = sum(B * (key_bytes(D, block, b) + block * value_row_bytes(D, b)) for b in bits)
    group_params = nb * H * B * (D * 2 + block * G * 2)  # uint8 step + int8 zero per group
    scales = nb * H * B * 4 * 2
    return nb * per_block + group_params + scales + 2 * B * H * r * D * itemsize + H + 2 * 8 * H
