/* The per-score softmax arithmetic of the CUDA prefill kernel (SPEC sections 2-3): P~ by SAS EXP2 and its
 * uint8 code p8, two scores of one row at a time, with the C path's float operations (the paired EXP2,
 * sas_exp2_neg_pair in sas.h, is bit-identical to ta_sas_exp2; tests/test_cuda_parity.py checks every float
 * of its domain). Why not
 * cheaper: any change to P~ before its 8-bit rounding flips codes, and a model of a 10-bit fixed-point
 * split of the argument (9 instead of 14 instructions per score) already moved outputs by 1.2e-3 to
 * 3.7e-3 relative L2 from C's, against SPEC section 6's 2e-3 (benchmarks/NOTES-prefill.md, v4). */
#ifndef TA_ATTN_PREFILL_SAS_CUH
#define TA_ATTN_PREFILL_SAS_CUH

#include <cuda_fp16.h>
#include <stdint.h>

#include "cuda_common.cuh"
#include "sas.h"
#include "ta_consts.h"

enum { EXP2_SAS_FAST = 0, EXP2_SAS = 1, EXP2_EXACT = 2, EXP2_KINDS = 3 };

template <int EXP2> __device__ __forceinline__ float exp2_of(float t, int threshold)
{
    return EXP2 == EXP2_EXACT ? exp2_sfu(t) : ta_sas_exp2(t, threshold);
}

/* Largest SAS threshold of the EXP2_SAS_FAST kernels. Their codes scale inv by 2^-n instead of forming
 * P~ = poly * 2^-n in float16, which is the same number only while that product is a normal float16:
 * poly >= 0.4999 for every float16 f in [0, 1] and n <= 12 keep it >= 2^-14. (The paired EXP2 alone, which
 * alpha and p_max use, is exact up to 14; the launcher sends larger thresholds to the EXP2_SAS kernels.) */
#define SAS_CODE_PAIR_T_MAX 12

/* inv's factor for sas_code_pair_w as the quotient's numerator: 255 2^-T, exact (T <= SAS_CODE_PAIR_T_MAX). */
__device__ __forceinline__ float sas_inv_numerator(int threshold)
{
    return (float)TA_P_MAX * __int_as_float((127 - threshold) << 23);
}

/* prmt.b32 in its default mode, where a selector nibble 8 + i fills its byte with the sign of source byte i
 * (__byte_perm documents only the low three bits of a nibble). */
__device__ __forceinline__ uint32_t prmt_sign(uint32_t a, uint32_t b, uint32_t sel)
{
    uint32_t d;
    asm("prmt.b32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(sel));
    return d;
}

/* The p8 words of two scores of one row (p8 in the two low bytes), for EXP2_SAS_FAST: p8 = rint(P~ * inv) with
 * P~ = poly(f) * 2^-n exact (SAS_CODE_PAIR_T_MAX), so P~ * inv == poly * (inv * 2^-n) as real numbers and one FFMA
 * rounds either once; 2^-n goes onto inv's exponent, one IMAD a score. The scores come as w = T - nt (block_scores
 * forms them, one FMA each, rounded so that w <= T) and inv as inv_t = inv 2^-T, a positive normal float (the
 * caller passes 1 where p_max is 0: every score of such a row is sparse).
 * - The split: -nt = w - T gives n = T - ceil(w) and f = ceil(w) - w, the n and f of floor(nt) and nt - floor(nt)
 *   for nt = T - w, both exact. ceil is a round-up add of 1.5 * 2^23, whose low bits then hold ceil(w) for the
 *   exponent of inv_t 2^ceil(w) = inv 2^-n.
 * - Sparse (nt > T) is w < 0: one PRMT a pair turns the two sign bits into a byte mask and one LOP3 clears those
 *   codes, where a compare and a select a score set nt to a sentinel before (1-2 % of a SAS call, NOTES-prefill
 *   v22). A sparse score's float work may give any bits (w = -inf: f is NaN), lane by lane, as the mask clears
 *   it. */
__device__ __forceinline__ uint32_t sas_code_pair_w(float w0, float w1, float inv_t)
{
    const float x0 = __fadd_ru(w0, TA_MAGIC_F), x1 = __fadd_ru(w1, TA_MAGIC_F);
    const float f0 = __fsub_rn(__fsub_rn(x0, TA_MAGIC_F), w0), f1 = __fsub_rn(__fsub_rn(x1, TA_MAGIC_F), w1);
    const float2 p = __half22float2(sas_poly_pair(__floats2half2_rn(f0, f1)));
    /* (1.5 * 2^23 + c) << 23 wraps to c << 23: the magic's bits move past bit 31. */
    const float inv0 = __uint_as_float(__float_as_uint(inv_t) + (__float_as_uint(x0) << 23));
    const float inv1 = __uint_as_float(__float_as_uint(inv_t) + (__float_as_uint(x1) << 23));
    const uint32_t codes = __byte_perm(__float_as_uint(fmaf(p.x, inv0, TA_MAGIC_F)),
                                       __float_as_uint(fmaf(p.y, inv1, TA_MAGIC_F)), 0x0040);
    return codes & ~prmt_sign(__float_as_uint(w0), __float_as_uint(w1), 0x00FB);
}

/* p8 = min(255, rint(p * inv)) in the low byte of the returned word (the rest is the magic), as C computes it. */
__device__ __forceinline__ uint32_t p_code(float p, float inv)
{
    return __float_as_uint(__fadd_rn(fminf(__fmul_rn(p, inv), (float)TA_P_MAX), TA_MAGIC_F));
}

/* p8 of softmax="exact" in the low byte: rint(2^t * inv) rounded once (C rounds the product, then to an integer)
 * and without C's clamp. The clamp is dead: t <= mx - m_new for every score of the row, where p_max = 2^(mx -
 * m_new), so p * inv <= 255 (1 + 2^-21) < 255.5 even if the SFU's 2 ulp went the wrong way on both (fixed scale:
 * p <= 2^0 = 1, inv = 255). */
__device__ __forceinline__ uint32_t exp2_code(float t, float inv)
{
    return __float_as_uint(fmaf(exp2_sfu(t), inv, TA_MAGIC_F));
}

/* The p8 codes of softmax="exact" for two scores of one row, given t = s - m_ref <= 0 (block_scores), in the two
 * low bytes: rint(255 2^t), one rounding on the SFU (exp2_code). */
__device__ __forceinline__ uint32_t exact_codes_pair(float t0, float t1)
{
    return __byte_perm(exp2_code(t0, (float)TA_P_MAX), exp2_code(t1, (float)TA_P_MAX), 0x0040);
}

/* The p8 codes of two scores of one row in the two low bytes. EXP2_SAS_FAST takes s0, s1 as w = T - nt <= T
 * (block_scores forms them, one FMA each) and inv as inv 2^-T, and m is unused (sas_code_pair_w). It drops C's
 * clamp and rounds p * inv + 1.5 * 2^23 once where C rounds the product and then to an integer. The clamp is dead
 * there: over every float16 value of f and every n <= 14, SAS EXP2 of a later (smaller) argument exceeds an
 * earlier one by at most a factor 1.0019455 (checked exhaustively), so p * inv <= 255 * 1.0019455 * (1 + 2^-23) <
 * 255.5; in p_scale="fixed" mode p <= 1. The single rounding differs from C's two only when the float product lies
 * within 2^-17 of a half-integer (about 1 code in 10^5, by one). EXP2_SAS takes S and the running max m (finite)
 * and keeps the C sequence exactly; EXP2_EXACT uses exact_codes_pair. */
template <int EXP2>
__device__ __forceinline__ uint32_t p_codes_pair(float s0, float s1, float m, float inv, int threshold)
{
    if (EXP2 == EXP2_SAS_FAST) return sas_code_pair_w(s0, s1, inv);
    return __byte_perm(p_code(exp2_of<EXP2>(__fsub_rn(s0, m), threshold), inv),
                       p_code(exp2_of<EXP2>(__fsub_rn(s1, m), threshold), inv), 0x0040);
}

#endif
