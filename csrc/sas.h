/* SAS EXP2 (SPEC section 3): 2^t for t <= 0 without an FP32 exp. Shared by C and CUDA so the two
 * agree bit for bit: the same split into integer and fraction, the same float16 coefficients, the
 * same three fused float16 multiply-adds and one float16 product with a power of two.
 *
 * The C version emulates a float16 FMA by computing a*b + c in double (exact for these operands:
 * 11-bit by 11-bit products and sums within a few binades) and rounding once to float16. */
#ifndef TA_SAS_H
#define TA_SAS_H

#include "ta_consts.h"

#ifdef __CUDACC__
#include <cuda_fp16.h>
#include <stdint.h>

/* 2^-n for n in [0, 24] as float16 bits: normal for n <= 14, subnormal (1 << (24 - n)) beyond. */
__device__ __forceinline__ __half ta_sas_pow2_neg(int n)
{
    unsigned short bits = n <= 14 ? (unsigned short)((15 - n) << 10) : (unsigned short)(1u << (24 - n));
    return __ushort_as_half(bits);
}

__device__ __forceinline__ float ta_sas_exp2(float t, int threshold)
{
    if (!(t >= -(float)threshold)) return 0.0f; /* sparsity: below 2^-threshold (and -inf) is 0 */
    float nt = -t;
    float n = floorf(nt);
    __half f = __float2half_rn(nt - n);
    __half p = __hfma(f, __float2half_rn((float)TA_SAS_C3), __float2half_rn((float)TA_SAS_C2));
    p = __hfma(f, p, __float2half_rn((float)TA_SAS_C1));
    p = __hfma(f, p, __float2half_rn(1.0f));
    return __half2float(__hmul(p, ta_sas_pow2_neg((int)n)));
}

/* 2^-f of two float16 fractions: the cubic by three float16 Horner FMAs, as ta_sas_exp2. */
__device__ __forceinline__ __half2 sas_poly_pair(__half2 f)
{
    __half2 p = __hfma2(f, __float2half2_rn((float)TA_SAS_C3), __float2half2_rn((float)TA_SAS_C2));
    p = __hfma2(f, p, __float2half2_rn((float)TA_SAS_C1));
    return __hfma2(f, p, __float2half2_rn(1.0f));
}

/* The two halves of SAS EXP2 for two nt = m - S >= 0 (+inf allowed, not NaN), with the same float operations as
 * ta_sas_exp2: floorf(nt) == round-down add of 2^23, minus 2^23; f = nt - n; the same float16 constants and
 * Horner FMAs. x0, x1 hold 2^23 + n, so n sits in their low bits. A sparse value (nt > threshold) becomes
 * nt = sparse_nt, an integer, so that f = 0 and poly = 1 exactly; the caller picks an n whose power of two
 * makes the result 0. A NaN would corrupt the other half (its n borrows across the 16-bit lanes of the
 * callers' packing): callers pass finite m. */
struct sas_pair_split {
    __half2 poly; /* 2^-f of both values */
    float x0, x1; /* 2^23 + n */
};

__device__ __forceinline__ sas_pair_split sas_split_pair(float nt0, float nt1, float threshold, float sparse_nt)
{
    nt0 = nt0 > threshold ? sparse_nt : nt0;
    nt1 = nt1 > threshold ? sparse_nt : nt1;
    sas_pair_split r;
    r.x0 = __fadd_rd(nt0, 8388608.0f), r.x1 = __fadd_rd(nt1, 8388608.0f);
    float f0 = __fsub_rn(nt0, __fsub_rn(r.x0, 8388608.0f)), f1 = __fsub_rn(nt1, __fsub_rn(r.x1, 8388608.0f));
    r.poly = sas_poly_pair(__floats2half2_rn(f0, f1));
    return r;
}

/* ta_sas_exp2(-nt) for two nt, for thresholds <= 14 (2^-n is then a normal float16 whose bits are
 * (15 - n) << 10): a sparse value gets n = 15, and 2^-15 encodes as the bits 0, so the product is +0
 * without a branch. */
__device__ __forceinline__ __half2 sas_exp2_neg_pair(float nt0, float nt1, float threshold)
{
    sas_pair_split s = sas_split_pair(nt0, nt1, threshold, 15.0f);
    uint32_t n01 = __byte_perm(__float_as_uint(s.x0), __float_as_uint(s.x1), 0x5410); /* n0 | n1 << 16 */
    uint32_t pow2 = (0x000F000Fu - n01) << 10;
    return __hmul2(s.poly, *(__half2 *)&pow2);
}

#else
#include <math.h>
#include "ta_half.h"

static inline float ta_sas_exp2(float t, int threshold)
{
    if (!(t >= -(float)threshold)) return 0.0f; /* sparsity: below 2^-threshold (and -inf) is 0 */
    float nt = -t;
    float n = floorf(nt);
    double f = ta_round_f16((double)(nt - n));
    /* Coefficients pass through float first, exactly as the CUDA side's __float2half_rn((float)c). */
    double c3 = ta_round_f16((float)TA_SAS_C3), c2 = ta_round_f16((float)TA_SAS_C2);
    double c1 = ta_round_f16((float)TA_SAS_C1);
    double p = ta_round_f16(f * c3 + c2);
    p = ta_round_f16(f * p + c1);
    p = ta_round_f16(f * p + 1.0);
    return (float)ta_round_f16(ldexp(p, -(int)n));
}
#endif

#endif
