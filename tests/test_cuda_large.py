"""Inputs past 2^31 elements and caches past 2^31 code bytes: no 32-bit offset may wrap in the quantizers, the
prefill, the cache's compression or the decode. Each big call is checked slice by slice against the same call
on that slice alone (the slices around the 2^31 boundary included); the prefill's last head against float64
attention, and the decode's last batch against the CPU path (the executable spec) and, through it, float64.
Needs about 40 GB of free device memory; skipped otherwise (and without a CUDA device and PyTorch)."""
import numpy as np
import pytest

import turboattn as ta

pytestmark = pytest.mark.skipif(not ta.cuda_available()[1], reason="needs a CUDA device")
FREE_BYTES = 40 * 2**30


def torch_with_room():
    torch = pytest.importorskip("torch")
    if torch.cuda.mem_get_info()[0] < FREE_BYTES:
        pytest.skip("needs about 40 GB of free device memory")
    return torch


def gaussian(torch, shape, seed, outliers=()):
    g = torch.Generator(device="cuda").manual_seed(seed)
    x = torch.randn(shape, device="cuda", dtype=torch.float16, generator=g)
    for c in outliers:  # x20 key channels
        x[..., c] *= 20
    return x


def test_prefill_past_2_31_elements():
    torch = torch_with_room()
    B, H, N, D = 36, 128, 4096, 128  # 2.42e9 elements a tensor; element 2^31 is in batch 32, head 0
    assert B * H * N * D > 2**31
    q = gaussian(torch, (B, H, N, D), 1)
    k = gaussian(torch, (B, H, N, D), 2, outliers=(7, 90))
    v = gaussian(torch, (B, H, N, D), 3)
    out = torch.from_dlpack(ta.flashq_attention(q, k, v, causal=True))
    for b in (0, 31, 32, 35):  # around the boundary, and the last batch
        alone = torch.from_dlpack(ta.flashq_attention(q[b:b + 1], k[b:b + 1], v[b:b + 1], causal=True))
        assert torch.equal(out[b:b + 1], alone), f"batch {b}"
    last = [x[-1:, -1:].float().cpu().numpy().astype(np.float64) for x in (q, k, v)]
    ref = ta.reference_attention(*last, causal=True)
    got = out[-1:, -1:].float().cpu().numpy()
    assert ta.rel_l2(got, ref) < 0.15  # measured 0.117 (session 26, H100); an output from wrong rows is ~1 or more


def test_decode_past_2_31_code_bytes():
    torch = torch_with_room()
    B, Hkv, N, D = 16, 8, 300 * 1024, 128  # 4-bit key codes: 2.5e9 bytes; inputs 5.0e9 elements
    assert B * Hkv * N * D // 2 > 2**31
    k = gaussian(torch, (B, Hkv, N, D), 4, outliers=(3, 100))
    v = gaussian(torch, (B, Hkv, N, D), 5)
    q = gaussian(torch, (B, 4 * Hkv, 1, D), 6)
    cache = ta.quantize_kv(k, v, bits=4)
    out = torch.from_dlpack(ta.flashq_attention(q, kv=cache)).float()
    for b in (0, 7, 8, 15):  # the code arrays are block-major: every batch's blocks from token 262144 on lie past 2^31
        small = ta.quantize_kv(k[b:b + 1], v[b:b + 1], bits=4)
        alone = torch.from_dlpack(ta.flashq_attention(q[b:b + 1], kv=small)).float()
        # the split over thread blocks depends on the whole call's size, so the float sums differ in order only
        err = (torch.linalg.vector_norm(out[b:b + 1] - alone) / torch.linalg.vector_norm(alone)).item()
        assert err < 2e-3, f"batch {b}: rel L2 {err}"
        del small
    # The last batch on the CPU (SPEC section 6: within 2e-3), and one KV head's rows against float64 attention:
    # in this flat softmax over 300k keys SAS drops much of the mass (DESIGN.md, "SAS over long flat contexts"),
    # so the GPU's error is held to the spec's own error, not to a fixed bound.
    qc, kc, vc = (x[-1:].cpu().numpy() for x in (q, k, v))
    cpu = ta.flashq_attention(qc, kv=ta.quantize_kv(kc, vc, bits=4)).astype(np.float64)
    gpu = out[-1:].cpu().numpy().astype(np.float64)
    assert ta.rel_l2(gpu, cpu) < 2e-3
    ref = ta.reference_attention(*(x[:, -4:] if x is qc else x[:, -1:] for x in (qc, kc, vc)))
    assert ta.rel_l2(gpu[:, -4:], ref) < 1.01 * ta.rel_l2(cpu[:, -4:], ref) + 1e-3
