/* Numeric constants of SPEC v1, shared by the C (reference) path and the CUDA path.
 * Everything here is part of the numerics: changing a value changes results bit for bit. */
#ifndef TA_CONSTS_H
#define TA_CONSTS_H

/* Quantization granularity (SPEC "Block sizes"): one INT8 scale per 64 rows of a (batch, head). */
#define TA_BQ 64
#define TA_BK 64

/* Stage-1 INT8 range: symmetric, -128 never produced so that |code| <= 127 and negation is safe. */
#define TA_INT8_MAX 127

/* P is quantized to uint8 against its row maximum (or 1 in "fixed" mode). */
#define TA_P_MAX 255

/* Stage-2 groups: keys per channel over a BK-token block, values per token over runs of 64 channels. */
#define TA_KV_GROUP 64

/* The input range. Scores are float32, and |S| <= D max|q| max|k| sm_scale log2 e, which for D <= 256,
 * |x| <= 2^48 and sm_scale <= 2^16 stays below 2^121, under FLT_MAX (2^128). A larger finite input could turn
 * scores into inf, and the rows they reach into zeros (session 26: q and k of 1e20 gave an all-zero output),
 * so every input check refuses values beyond it along with NaN and Inf. float16 inputs (at most 65504) are
 * never refused for it; the bit patterns are 2^48 as float32 and as bfloat16 (its upper half). */
#define TA_INPUT_ABS_MAX 281474976710656.0f
#define TA_INPUT_ABS_MAX_F32_BITS 0x57800000u
#define TA_INPUT_ABS_MAX_BF16_BITS 0x5780u
#define TA_INPUT_RANGE_TEXT "inputs must be finite and at most 2^48 in magnitude (scores are float32)"
#define TA_SM_SCALE_MAX 65536.0f

/* log2(e) in float32: scores are kept in the base-2 domain so softmax is 2^(S - m). */
#define TA_LOG2E 1.4426950408889634f
#define TA_LN2 0.6931471805599453f

/* SAS (SPEC section 3). Default sparsity threshold: 2^-t with t > 8 is below 2^-8 and quantizes to
 * p8 = 0 anyway. The LUT covers every threshold a float16 can resolve (2^-24 is its smallest
 * subnormal), so the keyword may range over [0, TA_SAS_T_MAX]. */
#define TA_SAS_T_DEFAULT 8
#define TA_SAS_T_MAX 24

/* 2^-f on [0, 1] ~ 1 + f*(C1 + f*(C2 + f*C3)), c0 = 1 exactly so that 2^0 = 1 is exact.
 * Fit: minimax in relative error (Lawson's iteratively reweighted least squares on 200001 points),
 * max relative error 8.97e-5 with these double coefficients; a plain relative least-squares fit gives
 * 1.77e-4. Both C and CUDA round each coefficient to float16 (round to nearest even) before the
 * Horner steps; with float16 coefficients and exact arithmetic the error is 4.6e-4, and the FP16
 * Horner adds up to about one half-ulp per step. tests/test_sas.py re-derives and asserts these. */
#define TA_SAS_C1 (-0.69158777)
#define TA_SAS_C2 (0.23115976)
#define TA_SAS_C3 (-0.03961682)

#endif
