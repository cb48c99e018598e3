"""SAS (SPEC section 3): the C EXP2 against a NumPy float16 emulation, the cubic's constants re-derived,
and sas_softmax."""
import numpy as np
import pytest

from ref_attention import sas_coefficients_f16, sas_exp2_f16
from turboattn import _C
from turboattn.sas import sas_softmax

LOG2E = np.log2(np.e)


def dense_grid():
    """float32 t in [-25, 0]: a fine linear grid plus every float within 64 ulps of each integer (where n and
    f switch) and of each threshold, and the special values -0.0 and -inf."""
    grid = [np.linspace(-25.0, 0.0, 2_500_001, dtype=np.float32)]
    for n in range(0, 26):
        centre = np.float32(-n)
        ulps = np.arange(-64, 65, dtype=np.int64)
        around = np.abs(centre).view(np.int32).astype(np.int64) + ulps
        values = -np.abs(around[around >= 0].astype(np.int32).view(np.float32))
        grid.append(values[(values >= -25.0) & (values <= 0.0)])
    grid.append(np.array([-0.0, 0.0, -np.inf, -1e-30, -1e-7], np.float32))
    return np.concatenate(grid)


@pytest.mark.parametrize("threshold", [0, 3, 8, 13, 24])
def test_sas_exp2_is_bit_exact_against_float16_emulation(threshold):
    t = dense_grid()
    got = _C.sas_exp2(t, threshold)
    want = sas_exp2_f16(t, _C.SAS_COEFFS, threshold).astype(np.float32)
    assert got.dtype == np.float32 and got.shape == t.shape
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_sas_exp2_sparsity_and_range():
    t = np.array([0.0, -1.0, -8.0, -8.0001, -30.0, -np.inf], np.float32)
    got = _C.sas_exp2(t, 8)
    assert got[0] == 1.0 and got[1] == 0.5 and got[2] == 2.0 ** -8
    assert np.all(got[3:] == 0.0)
    assert np.all(_C.sas_exp2(np.array([-24.0], np.float32), 24) == 2.0 ** -24)  # float16's smallest subnormal


def _relative_error(coeffs, f):
    c0, c1, c2, c3 = coeffs
    y = np.exp2(-f)
    return np.abs((c0 + f * (c1 + f * (c2 + f * c3))) / y - 1.0)


def _fit_least_squares(f, weights=None):
    """c0 = 1; c1..c3 minimising the (weighted) squared relative error: (p - y) / y is linear in c."""
    y = np.exp2(-f)
    A = np.stack([f / y, f ** 2 / y, f ** 3 / y], axis=1)
    b = (y - 1.0) / y
    if weights is not None:
        A, b = A * weights[:, None], b * weights
    c = np.linalg.lstsq(A, b, rcond=None)[0]
    return (1.0, *c)


def _fit_minimax(f, iterations=400):
    """Lawson's algorithm: reweight by the error until the weighted least-squares fit equioscillates."""
    w = np.full(f.size, 1.0 / f.size)
    for _ in range(iterations):
        coeffs = _fit_least_squares(f, np.sqrt(w))
        w *= _relative_error(coeffs, f)
        w /= w.sum()
    return coeffs


def test_sas_cubic_constants_rederived():
    f = np.linspace(0.0, 1.0, 20001)
    coeffs = _C.SAS_COEFFS
    assert coeffs[0] == 1.0  # 2^0 = 1 exactly
    # The recorded fit: minimax, 8.97e-5 max relative error in double; plain least squares reaches 1.77e-4.
    lsq = _fit_least_squares(f)
    assert _relative_error(lsq, f).max() < 2.5e-4
    assert abs(_relative_error(lsq, f).max() - 1.77e-4) < 1e-5
    minimax = _fit_minimax(f)
    assert _relative_error(coeffs, f).max() < 9.1e-5
    assert _relative_error(coeffs, f).max() <= _relative_error(minimax, f).max() * 1.01
    assert np.allclose(coeffs, minimax, atol=2e-5)
    # Rounded to float16 (through float32, as C and CUDA do) with exact arithmetic: 4.6e-4 recorded.
    f16 = [float(c) for c in sas_coefficients_f16(coeffs)]
    assert _relative_error(f16, f).max() < 5e-4


def test_sas_exp2_relative_error_against_exp2():
    t = np.linspace(-8.0, 0.0, 200001, dtype=np.float32)
    rel = np.abs(_C.sas_exp2(t, 8).astype(np.float64) / np.exp2(t.astype(np.float64)) - 1.0)
    # float16 coefficients (4.6e-4), f rounded to float16, three float16 Horner roundings and the float16
    # result; measured max 1.6e-3, mean 2.7e-4.
    assert rel.max() < 2e-3
    assert rel.mean() < 4e-4


# ---- sas_softmax --------------------------------------------------------------------------------------

def test_sas_softmax_close_to_softmax():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 300)) * 2.0).astype(np.float32)
    p = sas_softmax(x, threshold=24)
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    ref = e / e.sum(axis=1, keepdims=True)
    assert p.dtype == np.float32 and p.shape == x.shape
    assert np.abs(p - ref).max() < 5e-4
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_sas_softmax_threshold_drops_small_entries():
    x = np.array([[0.0, -5.0, -5.6, -20.0]], np.float32)  # t = x * log2(e): 0, -7.2, -8.08, -28.9
    p = sas_softmax(x, threshold=8)
    assert p[0, 2] == 0.0 and p[0, 3] == 0.0 and p[0, 1] > 0.0
    assert np.all(sas_softmax(x, threshold=24)[0, :3] > 0.0)


def test_sas_softmax_axis_masks_and_dtypes():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 7)).astype(np.float16)
    assert np.array_equal(sas_softmax(x, axis=0), sas_softmax(x.T, axis=-1).T)
    masked = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf]], np.float32)
    p = sas_softmax(masked)
    assert p[0, 1] == 0.0 and np.all(p[1] == 0.0) and abs(p[0].sum() - 1.0) < 1e-6


@pytest.mark.parametrize("kwargs,exc,message", [
    ({"x": np.array([1.0, np.nan], np.float32)}, ValueError, "x must not contain NaN"),
    ({"x": np.array([1.0, 2.0]), "threshold": 25}, ValueError, "threshold must be in"),
    ({"x": np.array([1.0, 2.0]), "threshold": 2.0}, TypeError, "threshold must be an int"),
    ({"x": np.array([1.0, 2.0]), "axis": 1}, ValueError, "axis 1 is out of range"),
    ({"x": np.array(["a"])}, TypeError, "x must hold real numbers"),
])
def test_sas_softmax_bad_arguments(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        sas_softmax(**kwargs)


def test_sas_exp2_binding_rejects_bad_input():
    with pytest.raises(ValueError, match="x must hold values <= 0"):
        _C.sas_exp2(np.array([-1.0, 0.5], np.float32))
    with pytest.raises(TypeError, match="x must be a C-contiguous float32"):
        _C.sas_exp2(np.array([-1.0]))
    with pytest.raises(ValueError, match="threshold must be an integer in"):
        _C.sas_exp2(np.array([-1.0], np.float32), 30)
