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
    return EXP2 == EXP2_EXACT ? exp2f(t) : ta_sas_exp2(t, threshold);
}

/* P~ for two scores of one row against m (the row's running max, finite). */
template <int EXP2>
__device__ __forceinline__ float2 p_pair(float s0, float s1, float m, int threshold, float threshold_f)
{
    if (EXP2 == EXP2_SAS_FAST) return __half22float2(sas_exp2_neg_pair(__fsub_rn(m, s0), __fsub_rn(m, s1), threshold_f));
    return make_float2(exp2_of<EXP2>(__fsub_rn(s0, m), threshold), exp2_of<EXP2>(__fsub_rn(s1, m), threshold));
}

/* p8 = min(255, rint(p * inv)) in the low byte of the returned word (the rest is the magic).
 * Paired SAS path: no clamp and one FFMA. The clamp is dead there: over every float16 value of f and every
 * n <= 14, SAS EXP2 of a later (smaller) argument exceeds an earlier one by at most a factor 1.0019455
 * (checked exhaustively), so p * inv <= 255 * 1.0019455 * (1 + 2^-23) < 255.5; in p_scale="fixed" mode
 * p <= 1. The FFMA rounds p * inv + 1.5 * 2^23 once where C rounds the product and then to an integer;
 * the two differ only when the float product lies within 2^-17 of a half-integer (about 1 code in 10^5,
 * by one). Other paths keep the C sequence exactly. */
template <int EXP2> __device__ __forceinline__ uint32_t p_code(float p, float inv)
{
    if (EXP2 == EXP2_SAS_FAST) return __float_as_uint(fmaf(p, inv, TA_MAGIC_F));
    return __float_as_uint(__fadd_rn(fminf(__fmul_rn(p, inv), (float)TA_P_MAX), TA_MAGIC_F));
}

#endif
