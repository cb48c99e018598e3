/* SAS EXP2 for the CPU hot loops: the same function as ta_sas_exp2 in sas.h, bit for bit, without the
 * double-precision float16 emulation per call. The fraction f is rounded to float16 exactly as sas.h does,
 * and the three float16 Horner steps are looked up in a table indexed by f's float16 bits (every f16 in
 * [0, 1], 15361 entries, each computed once by ta_sas_exp2 itself). The remaining product with 2^-n is
 * exact in float32 and then rounded to the float16 grid (quantum 2^-24 below 2^-13) by one addition. */
#ifndef TA_SAS_CPU_H
#define TA_SAS_CPU_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ta_consts.h"

#define TA_SAS_TABLE_SIZE 15361 /* float16 bit patterns 0x0000 (0.0) .. 0x3c00 (1.0) */

extern float ta_sas_poly_table[TA_SAS_TABLE_SIZE]; /* poly(f) as float, indexed by f's float16 bits */

/* Builds the tables on first use; safe to call from any thread, cheap after the first call. */
void ta_sas_cpu_init(void);

/* Float16 bits of f in [0, 1], rounded to nearest even. Below 2^-14 float16 is subnormal with quantum
 * 2^-24, which is exactly float32's quantum in [0.5, 1): adding 0.5 lets the FPU do the rounding. Above,
 * dropping 13 mantissa bits with a round-half-to-even bias on the float32 pattern rebased to the float16
 * exponent (127 - 15 = 112) gives the bits directly; a carry into the exponent is the correct result. */
static inline int32_t ta_f16_bits_unit(float f)
{
    float shifted = f + 0.5f;
    int32_t sub, bits;
    memcpy(&sub, &shifted, 4);
    sub -= 0x3f000000;
    memcpy(&bits, &f, 4);
    int32_t normal = bits - (112 << 23);
    normal = (normal + 0x0fff + ((normal >> 13) & 1)) >> 13;
    return bits < 0x38800000 ? sub : normal; /* 0x38800000 = 2^-14; integer compare keeps the loop vectorizable */
}

/* Identical to ta_sas_exp2(t, threshold) for every float t <= 0 (checked exhaustively over [-25, 0] for
 * thresholds 0, 8, 24); requires ta_sas_cpu_init() to have run. Branch-free so that loops calling it
 * vectorize: the sparsity test is a bit mask (GCC will not if-convert a table read guarded by a select),
 * and floor is an integer conversion (nt >= 0), which vectorizes where floorf needs -fno-trapping-math. */
static inline float ta_sas_exp2_cpu(float t, int threshold)
{
    float nt = -t;
    int32_t keep_mask = -(int32_t)(nt <= (float)threshold); /* t >= -threshold; false for -inf */
    int32_t nt_bits;
    memcpy(&nt_bits, &nt, 4);
    nt_bits &= keep_mask; /* a dropped t computes harmlessly on 0 */
    memcpy(&nt, &nt_bits, 4);
    int n = (int)nt;
    float f = nt - (float)n; /* exact in float32 */
    uint32_t pow2_bits = (uint32_t)(127 - n) << 23; /* 2^-n, n <= 24, a normal float */
    float pow2;
    memcpy(&pow2, &pow2_bits, 4);
    float p = ta_sas_poly_table[ta_f16_bits_unit(f)] * pow2;
    /* p is exact; below 2^-13 float16 keeps multiples of 2^-24 only, and values above are already on
     * their float16 grid, so this rounds exactly when needed and is the identity otherwise. */
    p = (p + 0.5f) - 0.5f;
    int32_t p_bits;
    memcpy(&p_bits, &p, 4);
    p_bits &= keep_mask;
    memcpy(&p, &p_bits, 4);
    return p;
}

#endif
