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

/* n given to a sparse score by sas_code_pair: inv * 2^-64 rounds to code 0 for every inv below 2^40 (inv =
 * 255 / p_max <= 255 * 2^13), and inv's exponent (>= 127 + 7 for inv >= 255, 127 for inv = 1) stays
 * normal. */
#define SAS_SPARSE_NT 64.0f

/* The p8 words of two scores of one row (p8 in the low byte, the magic above), for EXP2_SAS_FAST:
 * p8 = rint(P~ * inv) with P~ = poly(f) * 2^-n exact (SAS_CODE_PAIR_T_MAX), so P~ * inv == poly * (inv *
 * 2^-n) as real numbers and one FFMA rounds either once. 2^-n goes onto inv's exponent with one IMAD per
 * score instead of a PRMT, an IMAD and an HMUL2 per pair. inv must be a positive normal float (the
 * caller passes 1 where p_max is 0: every score of such a row is sparse). No clamp (see p_codes_pair). */
__device__ __forceinline__ uint32_t sas_code_pair(float nt0, float nt1, float threshold, float inv)
{
    const sas_pair_split s = sas_split_pair(nt0, nt1, threshold, SAS_SPARSE_NT);
    const float2 p = __half22float2(s.poly);
    /* (2^23 + n) << 23 wraps to n << 23: the bits of 2^23 move past bit 31. */
    const float inv0 = __uint_as_float(__float_as_uint(inv) - (__float_as_uint(s.x0) << 23));
    const float inv1 = __uint_as_float(__float_as_uint(inv) - (__float_as_uint(s.x1) << 23));
    return __byte_perm(__float_as_uint(fmaf(p.x, inv0, TA_MAGIC_F)), __float_as_uint(fmaf(p.y, inv1, TA_MAGIC_F)),
                       0x0040);
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

/* The p8 codes of two scores of one row in the two low bytes. EXP2_SAS_FAST takes s0, s1 as nt = m - S >= 0
 * (block_scores forms them, one FMA each) and m is unused; it drops C's clamp and rounds p * inv + 1.5 * 2^23
 * once where C rounds the product and then to an integer. The clamp is dead there: over every float16 value of f
 * and every n <= 14, SAS EXP2 of a later (smaller) argument exceeds an earlier one by at most a factor 1.0019455
 * (checked exhaustively), so p * inv <= 255 * 1.0019455 * (1 + 2^-23) < 255.5; in p_scale="fixed" mode p <= 1.
 * The single rounding differs from C's two only when the float product lies within 2^-17 of a half-integer (about
 * 1 code in 10^5, by one). Its codes scale inv by 2^-n (sas_code_pair), which gives the same codes as forming P~
 * in float16 and costs one instruction a score less: that was 2-3 % slower in the wgmma kernels at three CTAs per
 * SM (NOTES-prefill v10); at four, where they are bound by issue, it and block_scores' nt in one FMA together take
 * 2-4 % off a SAS call (v21). EXP2_SAS takes S and
 * the running max m (finite) and keeps the C sequence exactly; EXP2_EXACT uses exact_codes_pair. */
template <int EXP2>
__device__ __forceinline__ uint32_t p_codes_pair(float s0, float s1, float m, float inv, int threshold, float threshold_f)
{
    if (EXP2 == EXP2_SAS_FAST) return sas_code_pair(s0, s1, threshold_f, inv);
    return __byte_perm(p_code(exp2_of<EXP2>(__fsub_rn(s0, m), threshold), inv),
                       p_code(exp2_of<EXP2>(__fsub_rn(s1, m), threshold), inv), 0x0040);
}

#endif
