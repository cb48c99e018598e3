"""Decode against a compressed cache (SPEC section 5) vs float64 attention on the unquantized inputs,
per distribution and bit width. B=2, Hq=8, Hkv=4, Nq=4 (causal, bottom-right), Nk=549 (8 blocks + 37
residual rows), D=128, float32 inputs, default SAS softmax and per-row P scale.

Measured on seeds 0-2 (rel L2; plain FP16 attention's own error in the first column):

| data | fp16 | 8-bit | 4-bit | 2-bit | mixed (frac_2bit=0.5) |
| --- | --- | --- | --- | --- | --- |
| gaussian | 0.00047 | 0.0158 | 0.172 | 0.745 | 0.584 |
| x20 key outliers (4 channels) | 0.0011 | 0.0946 | 0.221 | 0.924 | 0.731 |
| peaked (sm_scale 4/sqrt(D)) | 0.00081 | 0.0353 | 0.229 | 1.039 | 0.806 |

Synthetic data is the hard case for 2-bit: no structure for 4 levels per group to follow (see the
real-activation test for LLM keys and values). Thresholds are the worst measured value times 1.25.
"""
import numpy as np
import pytest

import turboattn as ta

THRESHOLDS = {  # (dist) -> {bits: max rel L2}
    "gaussian": {8: 0.020, 4: 0.215, 2: 0.93, "mixed": 0.73},
    "outliers": {8: 0.118, 4: 0.276, 2: 1.16, "mixed": 0.92},
    "peaked": {8: 0.044, 4: 0.286, 2: 1.30, "mixed": 1.01},
}


def data(dist, seed):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((2, 8, 4, 128)).astype(np.float32)
    k = rng.standard_normal((2, 4, 549, 128)).astype(np.float32)
    v = rng.standard_normal((2, 4, 549, 128)).astype(np.float32)
    sm_scale = None
    if dist == "outliers":
        k[..., rng.choice(128, 4, replace=False)] *= 20.0
    if dist == "peaked":
        sm_scale = 4.0 / np.sqrt(128)
    return q, k, v, sm_scale


@pytest.mark.parametrize("dist", list(THRESHOLDS))
@pytest.mark.parametrize("bits", [8, 4, 2, "mixed"])
def test_decode_error_against_float64(dist, bits):
    seed = 100 + list(THRESHOLDS).index(dist)  # fresh seeds, not the ones the table was measured on
    q, k, v, sm_scale = data(dist, seed)
    ref = ta.reference_attention(q, k, v, causal=True, sm_scale=sm_scale)
    cache = ta.quantize_kv(k, v, bits=4, frac_2bit=0.5) if bits == "mixed" else ta.quantize_kv(k, v, bits=bits)
    out = ta.flashq_attention(q, kv=cache, causal=True, sm_scale=sm_scale).astype(np.float64)
    err = ta.rel_l2(out, ref)
    assert err < THRESHOLDS[dist][bits], f"{dist} {bits}: rel L2 {err:.4f}"
    # More bits never lose to fewer on the same data (monotone in the cache's precision).
    if bits == 4:
        low = ta.flashq_attention(q, kv=ta.quantize_kv(k, v, bits=2), causal=True, sm_scale=sm_scale)
        assert err < ta.rel_l2(low.astype(np.float64), ref)
