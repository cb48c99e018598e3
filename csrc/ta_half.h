/* Host-side float16 / bfloat16 conversions with round-to-nearest-even, written out in plain C so the
 * reference path needs no compiler support for _Float16 and rounds exactly like CUDA's __float2half_rn
 * and __float2bfloat16_rn. */
#ifndef TA_HALF_H
#define TA_HALF_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Round a double to the nearest float16 value (ties to even), returned as a double. The quantum of
 * the binade is a power of two, so x / q is exact and nearbyint() does the one rounding. */
static inline double ta_round_f16(double x)
{
    if (x != x || x == 0.0) return x;
    double a = fabs(x);
    if (a >= 65520.0) return copysign(INFINITY, x); /* 65520 is the tie above 65504: rounds to inf */
    int e;
    frexp(a, &e);             /* a in [2^(e-1), 2^e) */
    int binade = e - 1;
    if (binade < -14) binade = -14; /* subnormals share the quantum 2^-24 */
    double q = ldexp(1.0, binade - 10);
    return nearbyint(x / q) * q;
}

static inline float ta_f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t ta_bits_from_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static inline float ta_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1f) return ta_f32_from_bits(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        float v = ldexpf((float)man, -24);
        return sign ? -v : v;
    }
    return ta_f32_from_bits(sign | ((exp + 112u) << 23) | (man << 13));
}

static inline uint16_t ta_f32_to_f16(float f)
{
    if (f != f) return 0x7e00u;
    double r = ta_round_f16((double)f);
    uint16_t sign = signbit(r) ? 0x8000u : 0;
    double a = fabs(r);
    if (isinf(a)) return sign | 0x7c00u;
    if (a == 0.0) return sign;
    if (a < ldexp(1.0, -14)) return sign | (uint16_t)(a * ldexp(1.0, 24));
    int e;
    double m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    uint16_t exp = (uint16_t)(e - 1 + 15);
    uint16_t man = (uint16_t)((m * 2.0 - 1.0) * 1024.0);
    return sign | (uint16_t)(exp << 10) | man;
}

static inline float ta_bf16_to_f32(uint16_t b) { return ta_f32_from_bits((uint32_t)b << 16); }

static inline uint16_t ta_f32_to_bf16(float f)
{
    uint32_t u = ta_bits_from_f32(f);
    if (f != f) return 0x7fc0u;
    u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest even on the dropped 16 bits */
    return (uint16_t)(u >> 16);
}

#endif
