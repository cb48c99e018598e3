"""Model of a cheaper SAS + p8 step for the CUDA prefill kernel that was considered and rejected (session 3).

The idea: one FFMA puts y = 2^23 + 1024 (nt + 1) in a float's mantissa, so that the low 16 bits hold
n + 1 and a 10-bit f; two scores share one 32-bit word, and the float16 cubic, 2^-n from exponent bits,
the sparsity test (one HSET2) and p8 (one HFMA2 against a float16 255 / pmax, rounded down and scaled
by 1 - 2^-9 so that p8 never reaches 256) follow in packed half2 arithmetic: about 9 instructions per
score instead of 14. This script replays that arithmetic lane by lane against the C path (sas.h and
attn.c's order of float operations) and reports how far it moves p8 codes and attention outputs.
Result (recorded in benchmarks/NOTES-prefill.md, v4): 9.5 % of codes differ by one and outputs move by
2.8e-3 to 3.7e-3 relative L2 (1.2e-3 with the fixed P scale, where only the 10-bit f differs) against
SPEC section 6's CPU-vs-CUDA budget of 2e-3, so the kernel keeps C's operations.
Session 7 added the float64 row with an exact softmax of the same scores: the fixed-point variant is as
accurate as the spec's arithmetic (rel L2 vs that row 2.1e-3 / 6.6e-3 / 6.1e-3 against the spec's 1.9e-3 /
6.5e-3 / 6.1e-3 at score scales 1 / 5 / 20, per-row P scale). The two differ from each other by more than
either differs from the exact row because their rounding errors are independent; SPEC section 6's 2e-3
is below the error of the SAS + p8 step itself, so it admits only implementations that repeat C's roundings
(results/prefill-v10/sas_fixed_point_model.txt; NOTES-prefill.md, v10).

    python benchmarks/sas_fixed_point_model.py
"""
import numpy as np
f16, f32 = np.float16, np.float32
C1, C2, C3 = f16(f32(-0.69158777)), f16(f32(0.23115976)), f16(f32(-0.03961682))
def hfma(a, b, c): return f16(np.float64(a) * np.float64(b) + np.float64(c))
def spec_exp2(t, T):  # sas.h
    t = f32(t)
    if not (t >= -f32(T)): return f32(0)
    nt = f32(-t); n = np.floor(nt); f = f16(f32(nt - n))
    p = hfma(f, C3, C2); p = hfma(f, p, C1); p = hfma(f, p, f16(1))
    return f32(f16(np.float64(p) * 2.0 ** -int(n)))
def bits32(x): return int(np.array(x, f32).view(np.uint32))
def fast_code(y, pow_base_half, inv_h, keep_max_half):
    k = bits32(y) & 0xFFFF
    opf = (k & 0x3FF) | 0x3C00
    f = f16(np.float64(np.array(opf, np.uint16).view(f16)) - 1.0)
    p = hfma(f, C3, C2); p = hfma(f, p, C1); p = hfma(f, p, f16(1))
    keep = k <= keep_max_half  # positive fp16 patterns order like ints
    pw = ((pow_base_half - k) & 0x7C00) if keep else 0
    assert pow_base_half >= k
    scaled = f16(np.float64(p) * np.float64(np.array(pw, np.uint16).view(f16)))
    code = f16(np.float64(scaled) * np.float64(inv_h) + 1024.0)
    cb = int(np.array(code, f16).view(np.uint16))
    assert cb >> 8 == 0x64, hex(cb)
    return cb & 0xFF
rng = np.random.default_rng(1)
worst = 0; diffs = 0; total = 0; maxcode = 0
for trial in range(3000):
    T = int(rng.choice([2, 5, 8, 12, 14]))
    qk = f32(10 ** rng.uniform(-5, -1.5))
    dots = rng.integers(-200000, 200000, 64)
    if trial % 3 == 0: dots = rng.integers(-3000, 3000, 64)
    dmax = dots.max()
    mx = f32(f32(dmax) * qk)
    m_old = f32(mx + f32(rng.uniform(-3, 3))) if trial % 2 else f32(-np.inf)
    m = max(mx, m_old)
    if abs(m) >= 4096: continue
    np_ = f32(m - mx)
    pmax = spec_exp2(f32(mx - m), T)
    fixed = trial % 7 == 0
    if fixed: nm, inv_h, ps = 0, f16(255), f32(1 / 255)
    else:
        nm = min(int(np_), T)
        if pmax > 0:
            pms = f32(pmax * 2.0 ** nm)
            inv = f32(f32(255 / pms) * f32(1 - 2 ** -9))
            inv_h = f16(inv)  # then round down:
            if np.float64(inv_h) > np.float64(inv): inv_h = np.nextafter(inv_h, f16(0))
        else: inv_h = f16(0)
        ps = f32(2.0 ** -nm / np.float64(inv_h)) if inv_h > 0 else f32(0)
    spec_inv = f32(255) if fixed else (f32(f32(255) / pmax) if pmax > 0 else f32(0))
    pow_base = ((16 + nm) << 10) | 1023
    y_add = f32(np.float64(1024) * np.float64(m) + 8388608.0 + 1024.0)
    y_mul = f32(-1024 * qk)
    y_max = f32(8388608.0 + 1024.0 * (T + 2))
    keep_max = 1024 * (T + 1)
    for d in dots:
        y = min(f32(np.float64(f32(d)) * np.float64(y_mul) + np.float64(y_add)), y_max)
        c = fast_code(y, pow_base, inv_h, keep_max)
        S = f32(f32(d) * qk)
        P = spec_exp2(f32(S - m), T)
        ref = min(255, int(np.rint(np.float64(f32(P * spec_inv)))))
        # compare dequantized values: c * ps vs ref * ps_spec
        ps_spec = f32(1 / 255) if fixed else (f32(pmax / 255) if pmax > 0 else 0)
        err = abs(c * np.float64(ps) - ref * np.float64(ps_spec))
        worst = max(worst, err / max(np.float64(ps_spec) * 255, 1e-30))
        diffs += c != ref; total += 1; maxcode = max(maxcode, c)
print("total", total, "code diffs", diffs, "worst |deq diff| / (255 ps)", worst, "max code", maxcode)

# Output-level effect: one row of attention over nb blocks, values v ~ N(0,1), spec p8 vs fast p8.
def row_outputs(nb, T, scale, fixed=False, seed=0):
    r = np.random.default_rng(seed)
    qk = f32(scale / 3000)
    out = []
    for mode in ("spec", "fast"):
        m = f32(-np.inf); l = 0.0; acc = np.zeros(16)
        rr = np.random.default_rng(seed)
        for j in range(nb):
            dots = rr.integers(-3000, 3000, 64)
            v = rr.standard_normal((64, 16))
            mx = f32(f32(dots.max()) * qk); m_new = max(m, mx)
            alpha = spec_exp2(f32(m - m_new), T) if np.isfinite(m) else f32(1)
            pmax = spec_exp2(f32(mx - m_new), T)
            if mode == "spec":
                inv = f32(255) if fixed else (f32(f32(255) / pmax) if pmax > 0 else f32(0))
                ps = f32(1 / 255) if fixed else f32(pmax / 255)
                codes = np.array([min(255, int(np.rint(np.float64(f32(spec_exp2(f32(f32(d) * qk - m_new), T) * inv))))) for d in dots])
            else:
                np_ = f32(m_new - mx)
                if fixed: nm, inv_h, ps = 0, f16(255), f32(1 / 255)
                else:
                    nm = min(int(np_), T)
                    pms = f32(pmax * 2.0 ** nm)
                    inv = f32(f32(255 / pms) * f32(1 - 2 ** -9)); inv_h = f16(inv)
                    if np.float64(inv_h) > np.float64(inv): inv_h = np.nextafter(inv_h, f16(0))
                    ps = f32(2.0 ** -nm / np.float64(inv_h))
                pow_base = ((16 + nm) << 10) | 1023
                y_add = f32(1024.0 * np.float64(m_new) + 8388608.0 + 1024.0)
                y_mul = f32(-1024 * qk); y_max = f32(8388608.0 + 1024.0 * (T + 2))
                codes = np.array([fast_code(min(f32(np.float64(f32(d)) * np.float64(y_mul) + np.float64(y_add)), y_max), pow_base, inv_h, 1024 * (T + 1)) for d in dots])
            l = alpha * l + ps * codes.sum(); acc = alpha * acc + ps * (codes @ v); m = m_new
        out.append(acc / l)
    # The same row in float64 with an exact softmax of the same (already quantized) scores: what SAS and p8
    # add, apart from the INT8 quantization of q, k and v that both variants share.
    rr = np.random.default_rng(seed)
    blocks = [(rr.integers(-3000, 3000, 64), rr.standard_normal((64, 16))) for _ in range(nb)]
    s = np.concatenate([np.float64(f32(d.astype(f32) * qk)) for d, _ in blocks])
    w = np.exp2(s - s.max())
    out.append(w @ np.concatenate([v for _, v in blocks]) / w.sum())
    return out
for scale in (1.0, 5.0, 20.0):
    for fixed in (False, True):
        num = den = 0.0
        err = {"spec": 0.0, "fast": 0.0}
        for seed in range(20):
            a, b, x = row_outputs(16, 8, scale, fixed, seed)
            num += ((a - b) ** 2).sum(); den += (a ** 2).sum()
            err["spec"] += ((a - x) ** 2).sum(); err["fast"] += ((b - x) ** 2).sum()
        ref = sum(((row_outputs(16, 8, scale, fixed, seed)[2]) ** 2).sum() for seed in range(20))
        print(f"score scale {scale} fixed {fixed}: rel L2 spec vs fast {np.sqrt(num / den):.2e}; "
              f"vs exact softmax: spec {np.sqrt(err['spec'] / ref):.2e}, fast {np.sqrt(err['fast'] / ref):.2e}")
