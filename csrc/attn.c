/* SPEC sections 2, 3 and 5 on the CPU: the executable definition the CUDA kernels are checked against.
 * FlashAttention-style: one work item owns a tile of query rows and streams key blocks through an online
 * softmax, so memory is O(N * D) and no N x N matrix ever exists. The float evaluation order is written
 * out statement by statement (docs/DESIGN.md, "Readings of the spec") and the file is compiled with
 * -ffp-contract=off, so every rounding below is the one the spec means.
 *
 * The integer products go through igemm.c (exact int32, so its SIMD kernel changes no bit). Dense k/v
 * are quantized and packed once per call; a compressed cache is reconstructed block by block into the
 * worker's scratch. Both then run the same attn_block_step. */
#include "attn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "igemm.h"
#include "sas_cpu.h"
#include "ta_consts.h"
#include "ta_status.h"
#include "threads.h"

#define KV_TILE_ROWS 64   /* query rows per work item against a compressed cache (each its own block) */
#define MAX_BLOCK 256     /* largest block_q / block_k / kv block accepted (scratch is sized from it) */

/* ---- loops compiled three times ----------------------------------------------------------------------
 * The element loops below are written once (always_inline bodies) and compiled for the baseline ISA and,
 * on x86-64, for AVX2 and for AVX-512; the level that picks igemm.c's kernel picks these too. There is no
 * -ffast-math and no contraction, so vector and scalar code perform the same IEEE operations and all
 * builds agree bit for bit (tests/test_attention.py compares them). */

#if defined(__x86_64__) && defined(__GNUC__)
#define TA_SIMD_VARIANTS 1
#define TA_AVX2 __attribute__((target("avx2")))
#define TA_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#else
#define TA_SIMD_VARIANTS 0
#endif
#if defined(__GNUC__)
#define TA_BODY static inline __attribute__((always_inline))
#else
#define TA_BODY static inline
#endif

/* Defines name_portable, name_avx2 and name_avx512 around name_body, and `name`, which picks one. */
#if TA_SIMD_VARIANTS
#define TA_SIMD_BUILDS(ret, name, params, args)                                                                 \
    static ret name##_portable params { return name##_body args; }                                              \
    TA_AVX2 static ret name##_avx2 params { return name##_body args; }                                          \
    TA_AVX512 static ret name##_avx512 params { return name##_body args; }                                      \
    static ret name params                                                                                      \
    {                                                                                                           \
        int level = ta_igemm_simd_active();                                                                     \
        return level == TA_SIMD_AVX512 ? name##_avx512 args : level == TA_SIMD_AVX2 ? name##_avx2 args          \
                                                                                    : name##_portable args;      \
    }
#else
#define TA_SIMD_BUILDS(ret, name, params, args) \
    static ret name params { return name##_body args; }
#endif

/* ---- stage 1 on a run of rows ------------------------------------------------------------------------ */

/* On the bit patterns: for finite floats with the sign cleared, integer order is value order, and an
 * integer max reduction vectorizes where a float one would need -ffinite-math-only. */
TA_BODY float abs_max_body(const float *x, int64_t n)
{
    uint32_t amax_bits = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], 4);
        bits &= 0x7fffffffu;
        amax_bits = bits > amax_bits ? bits : amax_bits;
    }
    float amax;
    memcpy(&amax, &amax_bits, 4);
    return amax;
}
TA_SIMD_BUILDS(float, abs_max, (const float *x, int64_t n), (x, n))

/* rintf is nearbyintf under the default rounding mode (ties to even) and inlines to a vector round. */
TA_BODY int quantize_values_body(const float *restrict x, int64_t n, float inv, int8_t *restrict codes)
{
    for (int64_t i = 0; i < n; i++) {
        float code = rintf(x[i] * inv);
        code = code > TA_INT8_MAX ? TA_INT8_MAX : code;
        code = code < -TA_INT8_MAX ? -TA_INT8_MAX : code;
        codes[i] = (int8_t)(int)code;
    }
    return 0;
}
TA_SIMD_BUILDS(int, quantize_values, (const float *x, int64_t n, float inv, int8_t *codes), (x, n, inv, codes))

/* Row n of (b, h) as float32 into dst[D]; the dtype switch is per row, not per element. */
static void load_row(const ta_view4 *x, int64_t b, int64_t h, int64_t n, float *dst)
{
    int64_t D = x->shape[3], step = x->stride[3], base = ta_offset(x, b, h, n, 0);
    switch (x->dtype) {
    case TA_F16:
        for (int64_t d = 0; d < D; d++) dst[d] = ta_f16_to_f32(((const uint16_t *)x->data)[base + d * step]);
        break;
    case TA_BF16:
        for (int64_t d = 0; d < D; d++) dst[d] = ta_bf16_to_f32(((const uint16_t *)x->data)[base + d * step]);
        break;
    default:
        for (int64_t d = 0; d < D; d++) dst[d] = ((const float *)x->data)[base + d * step];
        break;
    }
}

/* Per-channel changes made to rows before they are quantized (the accuracy options, docs/DESIGN.md);
 * a NULL field does nothing. */
typedef struct {
    const float *shift; /* [D] subtracted first (k_smooth) */
    const float *scale; /* [D] then multiplied by (q) or divided by (k) (qk_equalize) */
    int divide;
} row_transform;

static void transform_row(const row_transform *tf, float *row, int64_t D)
{
    if (!tf) return;
    if (tf->shift)
        for (int64_t d = 0; d < D; d++) row[d] = row[d] - tf->shift[d];
    if (tf->scale && tf->divide)
        for (int64_t d = 0; d < D; d++) row[d] = row[d] / tf->scale[d];
    else if (tf->scale)
        for (int64_t d = 0; d < D; d++) row[d] = row[d] * tf->scale[d];
}

/* SPEC section 1 on rows [n0, n0 + rows) of (b, h), codes row-major [rows][D]; returns the block scale.
 * staging holds rows * D floats; tf (or NULL) is applied to each row first. Same arithmetic as quant.c's
 * stage-1 blocks, including its reading that a block whose amax is below FLT_MIN (zero or float32
 * subnormals only) is all-zero codes with scale 0. */
static float quantize_rows(const ta_view4 *x, int64_t b, int64_t h, int64_t n0, int rows, float *staging,
                           int8_t *codes, const row_transform *tf)
{
    int64_t D = x->shape[3], n = rows * D;
    for (int r = 0; r < rows; r++) {
        load_row(x, b, h, n0 + r, staging + r * D);
        transform_row(tf, staging + r * D, D);
    }
    float amax = abs_max(staging, n);
    if (!(amax >= FLT_MIN)) {
        memset(codes, 0, (size_t)n);
        return 0.0f;
    }
    quantize_values(staging, n, (float)TA_INT8_MAX / amax, codes);
    return amax / (float)TA_INT8_MAX;
}

/* Each row its own block (decode queries, qk_scale="token"): scales[r] for row r. */
static void quantize_each_row(const ta_view4 *x, int64_t b, int64_t h, int64_t n0, int rows, float *staging,
                              int8_t *codes, float *scales, const row_transform *tf)
{
    for (int r = 0; r < rows; r++)
        scales[r] = quantize_rows(x, b, h, n0 + r, 1, staging, codes + (int64_t)r * x->shape[3], tf);
}

/* ---- the shared block step (SPEC section 2) ---------------------------------------------------------- */

typedef struct {
    int D;
    int bkp;            /* columns of a packed key block: the key block size rounded up to 16 */
    int exact;          /* 1: exp2f, 0: SAS EXP2 */
    int threshold;      /* SAS sparsity threshold */
    int p_fixed;        /* 1: ps = 1/255 for every row */
    float score_scale;  /* sm_scale * log2e, formed once per call in float32 */
} step_consts;

/* One key block, INT8, in the packed form the integer products take. */
typedef struct {
    int8_t *k_pack;     /* [D/4][bkp][4]: keys as the right operand of q k^T */
    int32_t *k_sum;     /* [bkp]: sum over d of each key's codes (undoes the +128 bias of q, see below) */
    int8_t *v_pack;     /* [bkp/4][D][4]: values as the right operand of p v */
    float k_scale, v_scale;
    float *k_row_scale; /* [bkp] one scale per key (qk_scale="token"), or NULL: k_scale for the block */
    int64_t key0;       /* index of the block's first key */
    int n_keys;         /* keys in the block (the last one may be short) */
} key_block;

/* The query rows one work item owns and their online-softmax state. Rows may come from different
 * heads and positions (decode tiles), so everything is per row. */
typedef struct {
    int rows;
    uint8_t *q_biased;  /* [rows][D]: q codes + 128, the unsigned operand of the uint8 x int8 product */
    float *q_scale;     /* [rows] */
    int64_t *key_end;   /* [rows]: keys [0, key_end) are visible to the row (causal and padding mask) */
    float *m, *l, *acc; /* [rows], [rows], [rows][D] */
} query_tile;

typedef struct {
    int32_t *dots;      /* [rows][bkp]: int32 q.k */
    float *scores;      /* [bkp]: S of the row being processed */
    uint8_t *p_codes;   /* [rows][bkp] */
    int32_t *pv_dots;   /* [rows][D] */
    float *alpha;       /* [rows] */
    float *pv_scale;    /* [rows]; a negative value marks a row the block does not touch */
} step_scratch;

static inline float step_exp2(const step_consts *sc, float t)
{
    return sc->exact ? exp2f(t) : ta_sas_exp2_cpu(t, sc->threshold);
}

/* Quantizes one row's P against the block from its scores S and returns sum(p8). The spec's "masked
 * entries are -inf" is a prefix here: causal and padding masks both leave keys [0, n_valid) of the block
 * visible. One body per EXP2 so the SAS loop vectorizes (exp2f is a library call). */
TA_BODY int p_codes_sas_body(const float *restrict scores, int n_valid, float m_new, float p_inv, int threshold,
                             uint8_t *restrict p_codes)
{
    int code_sum = 0;
    for (int c = 0; c < n_valid; c++) {
        float code = rintf(ta_sas_exp2_cpu(scores[c] - m_new, threshold) * p_inv);
        code = code < TA_P_MAX ? code : TA_P_MAX; /* SAS is monotone only up to float16 rounding */
        p_codes[c] = (uint8_t)(int)code;
        code_sum += (int)code;
    }
    return code_sum;
}
TA_SIMD_BUILDS(int, p_codes_sas,
              (const float *restrict scores, int n_valid, float m_new, float p_inv, int threshold,
               uint8_t *restrict p_codes),
              (scores, n_valid, m_new, p_inv, threshold, p_codes))

static int p_codes_exact(const float *scores, int n_valid, float m_new, float p_inv, uint8_t *p_codes)
{
    int code_sum = 0;
    for (int c = 0; c < n_valid; c++) {
        float code = rintf(exp2f(scores[c] - m_new) * p_inv);
        code = code < TA_P_MAX ? code : TA_P_MAX;
        p_codes[c] = (uint8_t)(int)code;
        code_sum += (int)code;
    }
    return code_sum;
}

/* S = (float)dot * qk_scale with one qk_scale for the row and block (SPEC section 2). */
TA_BODY int block_scores_body(const int32_t *restrict dots, int n_valid, float qk_scale, float *restrict scores)
{
    for (int c = 0; c < n_valid; c++) scores[c] = (float)dots[c] * qk_scale;
    return 0;
}
TA_SIMD_BUILDS(int, block_scores, (const int32_t *restrict dots, int n_valid, float qk_scale, float *restrict scores),
              (dots, n_valid, qk_scale, scores))

/* qk_scale="token": S = (float)dot * ((sq * sk_c) * (sm_scale * log2e)), and the row maximum, which per-key
 * scales no longer let the integers give. The maximum runs on an order-preserving integer image of the
 * floats (sign-magnitude to two's complement), which vectorizes where a float max would not. */
TA_BODY float token_scores_body(const int32_t *restrict dots, int n_valid, float q_scale,
                                const float *restrict k_row_scale, float score_scale, float *restrict scores)
{
    int32_t max_key = INT32_MIN;
    for (int c = 0; c < n_valid; c++) {
        float s = (float)dots[c] * ((q_scale * k_row_scale[c]) * score_scale);
        scores[c] = s;
        int32_t bits;
        memcpy(&bits, &s, 4);
        int32_t key = bits ^ ((bits >> 31) & 0x7fffffff);
        max_key = key > max_key ? key : max_key;
    }
    int32_t bits = max_key ^ ((max_key >> 31) & 0x7fffffff);
    float row_max;
    memcpy(&row_max, &bits, 4);
    return row_max;
}
TA_SIMD_BUILDS(float, token_scores,
              (const int32_t *restrict dots, int n_valid, float q_scale, const float *restrict k_row_scale,
               float score_scale, float *restrict scores),
              (dots, n_valid, q_scale, k_row_scale, score_scale, scores))

/* (q + 128) . k = q . k + 128 * sum(k): subtracting the second term gives the signed product. */
TA_BODY int32_t unbias_dots_body(int32_t *dots, const int32_t *k_sum, int n_valid)
{
    int32_t dot_max = INT32_MIN;
    for (int c = 0; c < n_valid; c++) {
        dots[c] -= 128 * k_sum[c];
        dot_max = dots[c] > dot_max ? dots[c] : dot_max;
    }
    return dot_max;
}
TA_SIMD_BUILDS(int32_t, unbias_dots, (int32_t *dots, const int32_t *k_sum, int n_valid), (dots, k_sum, n_valid))

TA_BODY int update_acc_body(float *acc, const int32_t *pv, int D, float alpha, float pv_scale)
{
    for (int d = 0; d < D; d++) acc[d] = alpha * acc[d] + (float)pv[d] * pv_scale;
    return 0;
}
TA_SIMD_BUILDS(int, update_acc, (float *acc, const int32_t *pv, int D, float alpha, float pv_scale),
              (acc, pv, D, alpha, pv_scale))

/* One key block against every row of the tile: SPEC section 2, online softmax with uint8 P. */
static void attn_block_step(const step_consts *sc, query_tile *qt, const key_block *kb, step_scratch *ws)
{
    int D = sc->D, bkp = sc->bkp;
    ta_igemm_u8s8(qt->q_biased, D, qt->rows, kb->k_pack, bkp, D, ws->dots, bkp);
    for (int r = 0; r < qt->rows; r++) {
        int32_t *dots = ws->dots + (int64_t)r * bkp;
        uint8_t *p_row = ws->p_codes + (int64_t)r * bkp;
        int64_t visible = qt->key_end[r] - kb->key0;
        int n_valid = visible < 0 ? 0 : (visible > kb->n_keys ? kb->n_keys : (int)visible);
        if (n_valid == 0) {
            /* Every key masked: the spec's arithmetic leaves m, l, acc unchanged (alpha = 1, P = 0), and
             * skipping also avoids -inf - -inf on a row that has seen no key yet. */
            memset(p_row, 0, (size_t)bkp);
            ws->pv_scale[r] = -1.0f;
            continue;
        }
        int32_t dot_max = unbias_dots(dots, kb->k_sum, n_valid);
        float row_max;
        if (kb->k_row_scale) {
            row_max = token_scores(dots, n_valid, qt->q_scale[r], kb->k_row_scale, sc->score_scale, ws->scores);
        } else {
            float qk_scale = qt->q_scale[r] * kb->k_scale * sc->score_scale;
            block_scores(dots, n_valid, qk_scale, ws->scores);
            /* qk_scale >= 0, and int32 -> float and the product are monotone: this is max_c S exactly. */
            row_max = (float)dot_max * qk_scale;
        }
        float m_old = qt->m[r];
        float m_new = row_max > m_old ? row_max : m_old;
        float alpha = step_exp2(sc, m_old - m_new); /* m_old = -inf gives 0 */
        float ps, p_inv;
        if (sc->p_fixed) {
            ps = 1.0f / (float)TA_P_MAX;
            p_inv = (float)TA_P_MAX;
        } else {
            float p_max = step_exp2(sc, row_max - m_new); /* the row's largest P in this block */
            /* p_max == 0: the whole block is below the SAS threshold and contributes nothing. */
            ps = p_max > 0.0f ? p_max / (float)TA_P_MAX : 0.0f;
            p_inv = p_max > 0.0f ? (float)TA_P_MAX / p_max : 0.0f;
        }
        int code_sum = sc->exact ? p_codes_exact(ws->scores, n_valid, m_new, p_inv, p_row)
                                 : p_codes_sas(ws->scores, n_valid, m_new, p_inv, sc->threshold, p_row);
        memset(p_row + n_valid, 0, (size_t)(bkp - n_valid));
        qt->l[r] = alpha * qt->l[r] + ps * (float)code_sum;
        qt->m[r] = m_new;
        ws->alpha[r] = alpha;
        ws->pv_scale[r] = ps * kb->v_scale;
    }
    ta_igemm_u8s8(ws->p_codes, bkp, qt->rows, kb->v_pack, D, bkp, ws->pv_dots, D);
    for (int r = 0; r < qt->rows; r++) {
        if (ws->pv_scale[r] < 0.0f) continue;
        update_acc(qt->acc + (int64_t)r * D, ws->pv_dots + (int64_t)r * D, D, ws->alpha[r], ws->pv_scale[r]);
    }
}

/* Packs INT8 keys and values ([n_keys][D] row-major each) into a key block. */
static void fill_key_block(const int8_t *k8, const int8_t *v8, int n_keys, int D, int bkp, key_block *kb)
{
    ta_igemm_pack_b_transposed(k8, D, D, n_keys, D, bkp, kb->k_pack); /* b[d][key] = k8[key][d] */
    for (int c = 0; c < bkp; c++) {
        int32_t sum = 0;
        if (c < n_keys)
            for (int d = 0; d < D; d++) sum += k8[(int64_t)c * D + d];
        kb->k_sum[c] = sum;
    }
    ta_igemm_pack_b(v8, D, n_keys, D, bkp, D, kb->v_pack); /* b[key][d] = v8[key][d] */
    kb->n_keys = n_keys;
}

static void start_tile(query_tile *qt, int D)
{
    for (int r = 0; r < qt->rows; r++) {
        qt->m[r] = -INFINITY;
        qt->l[r] = 0.0f;
    }
    memset(qt->acc, 0, sizeof(float) * (size_t)qt->rows * (size_t)D);
}

/* float32 -> float16 bits, round to nearest even, in integer arithmetic: the same result as ta_half.h's
 * ta_f32_to_f16 (checked over every float32) without its double-precision path, which dominated the output
 * stores. Below 2^-14 the float16 quantum is 2^-24, float32's quantum in [0.5, 1): adding 0.5 rounds. */
static inline uint16_t f16_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) return (uint16_t)(sign | (a > 0x7f800000u ? 0x7e00u : 0x7c00u)); /* NaN, inf */
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* 65520 and above round to inf */
    if (a < 0x38800000u) {
        float magnitude, shifted;
        memcpy(&magnitude, &a, 4);
        shifted = magnitude + 0.5f;
        uint32_t bits;
        memcpy(&bits, &shifted, 4);
        return (uint16_t)(sign | (bits - 0x3f000000u));
    }
    a -= 112u << 23; /* rebias the exponent from float32 (127) to float16 (15) */
    a += 0x0fffu + ((a >> 13) & 1u);
    return (uint16_t)(sign | (a >> 13));
}

/* One output row from float32 values, converted once per row's dtype. */
static void store_row(const ta_view4 *out, int64_t b, int64_t h, int64_t i, const float *row, int D)
{
    int64_t base = ta_offset(out, b, h, i, 0), step = out->stride[3];
    switch (out->dtype) {
    case TA_F16:
        for (int d = 0; d < D; d++) ((uint16_t *)out->data)[base + d * step] = f16_bits(row[d]);
        break;
    case TA_BF16:
        for (int d = 0; d < D; d++) ((uint16_t *)out->data)[base + d * step] = ta_f32_to_bf16(row[d]);
        break;
    default:
        for (int d = 0; d < D; d++) ((float *)out->data)[base + d * step] = row[d];
        break;
    }
}

/* out = acc / l (in place in acc); a row that saw no key (l == 0) is 0 with lse = -inf. */
static void finish_row(const query_tile *qt, int r, int D, const ta_view4 *out, int64_t b, int64_t h, int64_t i,
                       float *lse_slot)
{
    float l = qt->l[r];
    float *acc = qt->acc + (int64_t)r * D;
    for (int d = 0; d < D; d++) acc[d] = l > 0.0f ? acc[d] / l : 0.0f;
    store_row(out, b, h, i, acc, D);
    if (lse_slot) *lse_slot = l > 0.0f ? (qt->m[r] + log2f(l)) * TA_LN2 : -INFINITY;
}

static void bias_codes(const int8_t *codes, int64_t n, uint8_t *biased)
{
    for (int64_t i = 0; i < n; i++) biased[i] = (uint8_t)(codes[i] + 128);
}

/* Keys [0, key_end) visible to query row i: bottom-right causal alignment (Nk - Nq offset). */
static int64_t visible_keys(int causal, int64_t i, int64_t Nq, int64_t Nk)
{
    if (!causal) return Nk;
    int64_t end = i + (Nk - Nq) + 1;
    return end < 0 ? 0 : (end > Nk ? Nk : end);
}

/* ---- per-worker scratch ------------------------------------------------------------------------------ */

typedef struct {
    query_tile tile;
    step_scratch step;
    key_block kb;       /* kv path only: the block being reconstructed */
    int8_t *q8, *k8, *v8;
    float *staging;     /* [max(rows, bk)][D]: input rows as float32 before quantization */
    void *mem;
} worker_scratch;

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* One allocation per worker, carved into aligned pieces. with_keys adds room for one key block. */
static int alloc_scratch(worker_scratch *w, int rows, int D, int bk, int bkp, int with_keys)
{
    size_t sizes[] = {
        round64((size_t)rows * D),                 /* q_biased */
        round64(sizeof(float) * rows),             /* q_scale */
        round64(sizeof(int64_t) * rows),           /* key_end */
        round64(sizeof(float) * rows),             /* m */
        round64(sizeof(float) * rows),             /* l */
        round64(sizeof(float) * rows * D),         /* acc */
        round64(sizeof(int32_t) * rows * bkp),     /* dots */
        round64((size_t)rows * bkp),               /* p_codes */
        round64(sizeof(int32_t) * rows * D),       /* pv_dots */
        round64(sizeof(float) * rows),             /* alpha */
        round64(sizeof(float) * rows),             /* pv_scale */
        round64((size_t)rows * D),                 /* q8 */
        with_keys ? round64((size_t)bk * D) : 0,   /* k8 */
        with_keys ? round64((size_t)bk * D) : 0,   /* v8 */
        with_keys ? round64((size_t)D * bkp) : 0,  /* k_pack */
        with_keys ? round64(sizeof(int32_t) * bkp) : 0, /* k_sum */
        with_keys ? round64((size_t)bkp * D) : 0,  /* v_pack */
        round64(sizeof(float) * (size_t)(rows > bk ? rows : bk) * D), /* staging */
        round64(sizeof(float) * bkp),              /* scores */
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) total += sizes[i];
    char *mem = aligned_alloc(64, total ? total : 64);
    if (!mem) return -1;
    memset(mem, 0, total);
    char *at = mem;
    void *parts[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        parts[i] = sizes[i] ? at : NULL;
        at += sizes[i];
    }
    w->mem = mem;
    w->tile.q_biased = parts[0];
    w->tile.q_scale = parts[1];
    w->tile.key_end = parts[2];
    w->tile.m = parts[3];
    w->tile.l = parts[4];
    w->tile.acc = parts[5];
    w->step.dots = parts[6];
    w->step.p_codes = parts[7];
    w->step.pv_dots = parts[8];
    w->step.alpha = parts[9];
    w->step.pv_scale = parts[10];
    w->q8 = parts[11];
    w->k8 = parts[12];
    w->v8 = parts[13];
    w->kb.k_pack = parts[14];
    w->kb.k_sum = parts[15];
    w->kb.v_pack = parts[16];
    w->staging = parts[17];
    w->step.scores = parts[18];
    return 0;
}

static void free_scratch(worker_scratch *ws, int n)
{
    if (!ws) return;
    for (int i = 0; i < n; i++) free(ws[i].mem);
    free(ws);
}

static worker_scratch *alloc_workers(int n_workers, int rows, int D, int bk, int bkp, int with_keys)
{
    worker_scratch *ws = calloc((size_t)n_workers, sizeof(worker_scratch));
    if (!ws) return NULL;
    for (int i = 0; i < n_workers; i++)
        if (alloc_scratch(&ws[i], rows, D, bk, bkp, with_keys) != 0) {
            free_scratch(ws, n_workers);
            return NULL;
        }
    return ws;
}

static step_consts make_step_consts(const ta_attn_params *p, int D, int bk)
{
    step_consts sc;
    sc.D = D;
    sc.bkp = (bk + 15) / 16 * 16;
    sc.exact = p->softmax_exact != 0;
    sc.threshold = p->sas_threshold;
    sc.p_fixed = p->p_scale_fixed != 0;
    sc.score_scale = p->sm_scale * TA_LOG2E;
    return sc;
}

static int check_params(const ta_attn_params *p, int dense)
{
    if (!(p->sm_scale > 0.0f) || !(p->sm_scale <= TA_SM_SCALE_MAX)) {
        ta_set_error("sm_scale must be positive and at most 2^16 (got %g)", (double)p->sm_scale);
        return TA_ERR_INVALID;
    }
    if (p->sas_threshold < 0 || p->sas_threshold > TA_SAS_T_MAX) {
        ta_set_error("sas_threshold must be in [0, %d] (got %d)", TA_SAS_T_MAX, p->sas_threshold);
        return TA_ERR_INVALID;
    }
    if (!dense && (p->qk_scale_token || p->k_smooth || p->qk_equalize)) {
        ta_set_error("qk_scale=\"token\", k_smooth and qk_equalize apply to dense k and v only (a compressed cache "
                     "fixes its key scales)");
        return TA_ERR_INVALID;
    }
    if (dense && (p->block_q < 1 || p->block_q > MAX_BLOCK)) {
        ta_set_error("block_q must be in [1, %d] (got %d)", MAX_BLOCK, p->block_q);
        return TA_ERR_INVALID;
    }
    if (dense && (p->block_k < 8 || p->block_k > MAX_BLOCK || p->block_k % 8 != 0)) {
        ta_set_error("block_k must be a multiple of 8 in [8, %d] (got %d)", MAX_BLOCK, p->block_k);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

static int check_head_dim(int64_t D)
{
    if (D < 16 || D > 256 || D % 16 != 0) {
        ta_set_error("head dim must be a multiple of 16 in [16, 256] (got %lld)", (long long)D);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

static int check_cpu_view(const ta_view4 *v, const char *name)
{
    if (v->device != TA_CPU) {
        ta_set_error("%s must be in host memory for the CPU path", name);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

/* ---- dense k, v (SPEC section 2) --------------------------------------------------------------------- */

typedef struct {
    const ta_view4 *q, *k, *v, *out;
    float *lse;
    step_consts sc;
    int causal, bq, bk;
    int token_scales;   /* qk_scale="token" */
    float sm_scale;
    int64_t n_qblocks, n_kblocks;
    key_block *blocks;  /* [B * Hkv * n_kblocks], packed once */
    float *k_shift;     /* [B * Hkv * D] channel means of K (k_smooth), or NULL */
    float *chan_scale;  /* [B * Hkv * D] equalization s_c (qk_equalize), or NULL */
    worker_scratch *workers;
} dense_job;

/* The transforms of (b, KV head) bh: K is shifted then divided, Q multiplied (never shifted). */
static row_transform key_transform(const dense_job *job, int64_t bh)
{
    int64_t D = job->sc.D;
    row_transform tf = {job->k_shift ? job->k_shift + bh * D : NULL, job->chan_scale ? job->chan_scale + bh * D : NULL, 1};
    return tf;
}

static row_transform query_transform(const dense_job *job, int64_t bh)
{
    row_transform tf = {NULL, job->chan_scale ? job->chan_scale + bh * job->sc.D : NULL, 0};
    return tf;
}

/* Channel statistics of one (b, KV head) for the accuracy options: the mean of K over all Nk keys
 * (accumulated in double, stored as float32), then s_c = sqrt(max|K_c - mean_c| / max|Q_c|) over the keys
 * and over every row of the query heads that share this KV head (one s_c per KV head, because K is
 * quantized once for the whole group); s_c = 1 where either maximum is below FLT_MIN. */
static void dense_stats_item(void *ctx, int64_t bh, int worker)
{
    dense_job *job = (dense_job *)ctx;
    float *row = job->workers[worker].staging;
    int64_t D = job->sc.D, Hq = job->q->shape[1], Hkv = job->k->shape[1];
    int64_t Nq = job->q->shape[2], Nk = job->k->shape[2], group = Hq / Hkv;
    int64_t b = bh / Hkv, hk = bh % Hkv;
    double sum[256];
    float k_max[256], q_max[256];
    if (job->k_shift) {
        float *shift = job->k_shift + bh * D;
        for (int64_t d = 0; d < D; d++) sum[d] = 0.0;
        for (int64_t j = 0; j < Nk; j++) {
            load_row(job->k, b, hk, j, row);
            for (int64_t d = 0; d < D; d++) sum[d] += row[d];
        }
        for (int64_t d = 0; d < D; d++) shift[d] = (float)(sum[d] / (double)Nk);
    }
    if (!job->chan_scale) return;
    row_transform shift_only = {job->k_shift ? job->k_shift + bh * D : NULL, NULL, 0};
    for (int64_t d = 0; d < D; d++) k_max[d] = q_max[d] = 0.0f;
    for (int64_t j = 0; j < Nk; j++) {
        load_row(job->k, b, hk, j, row);
        transform_row(&shift_only, row, D);
        for (int64_t d = 0; d < D; d++) k_max[d] = fabsf(row[d]) > k_max[d] ? fabsf(row[d]) : k_max[d];
    }
    for (int64_t h = hk * group; h < (hk + 1) * group; h++)
        for (int64_t i = 0; i < Nq; i++) {
            load_row(job->q, b, h, i, row);
            for (int64_t d = 0; d < D; d++) q_max[d] = fabsf(row[d]) > q_max[d] ? fabsf(row[d]) : q_max[d];
        }
    float *scale = job->chan_scale + bh * D;
    for (int64_t d = 0; d < D; d++)
        scale[d] = (k_max[d] >= FLT_MIN && q_max[d] >= FLT_MIN) ? sqrtf(k_max[d] / q_max[d]) : 1.0f;
}

static void dense_pack_item(void *ctx, int64_t item, int worker)
{
    dense_job *job = (dense_job *)ctx;
    worker_scratch *w = &job->workers[worker];
    int64_t Hkv = job->k->shape[1], Nk = job->k->shape[2];
    int64_t j = item % job->n_kblocks, bh = item / job->n_kblocks;
    int64_t b = bh / Hkv, h = bh % Hkv;
    int64_t key0 = j * job->bk;
    int n_keys = (int)(Nk - key0 < job->bk ? Nk - key0 : job->bk);
    row_transform k_tf = key_transform(job, bh);
    /* The q8 scratch (rows >= 2 * bk) holds the keys, then the values. */
    key_block *kb = &job->blocks[item];
    int8_t *k_codes = w->q8, *v_codes = w->q8 + (int64_t)n_keys * job->sc.D;
    kb->key0 = key0;
    if (job->token_scales) {
        quantize_each_row(job->k, b, h, key0, n_keys, w->staging, k_codes, kb->k_row_scale, &k_tf);
        kb->k_scale = 0.0f;
    } else {
        kb->k_scale = quantize_rows(job->k, b, h, key0, n_keys, w->staging, k_codes, &k_tf);
        kb->k_row_scale = NULL;
    }
    kb->v_scale = quantize_rows(job->v, b, h, key0, n_keys, w->staging, v_codes, NULL);
    fill_key_block(k_codes, v_codes, n_keys, job->sc.D, job->sc.bkp, kb);
}

/* k_smooth scores q.(k - mean): every score of a row moves by the same q.mean, which the softmax ignores
 * but lse does not, so lse gets sm_scale * q.mean back (q unquantized, the dot in double). */
static float smoothing_lse_offset(const dense_job *job, int64_t b, int64_t h, int64_t i, const float *mean,
                                  float *row)
{
    load_row(job->q, b, h, i, row);
    double dot = 0.0;
    for (int64_t d = 0; d < job->sc.D; d++) dot += (double)row[d] * (double)mean[d];
    return (float)(dot * (double)job->sm_scale);
}

static void dense_query_item(void *ctx, int64_t item, int worker)
{
    dense_job *job = (dense_job *)ctx;
    worker_scratch *w = &job->workers[worker];
    query_tile *qt = &w->tile;
    int D = job->sc.D;
    int64_t Hq = job->q->shape[1], Nq = job->q->shape[2];
    int64_t Hkv = job->k->shape[1], Nk = job->k->shape[2];
    int64_t qb = item % job->n_qblocks, bh = item / job->n_qblocks;
    int64_t b = bh / Hq, h = bh % Hq, hk = h / (Hq / Hkv);
    int64_t i0 = qb * job->bq;
    row_transform q_tf = query_transform(job, b * Hkv + hk);
    qt->rows = (int)(Nq - i0 < job->bq ? Nq - i0 : job->bq);
    if (job->token_scales) {
        quantize_each_row(job->q, b, h, i0, qt->rows, w->staging, w->q8, qt->q_scale, &q_tf);
    } else {
        float q_scale = quantize_rows(job->q, b, h, i0, qt->rows, w->staging, w->q8, &q_tf);
        for (int r = 0; r < qt->rows; r++) qt->q_scale[r] = q_scale;
    }
    bias_codes(w->q8, (int64_t)qt->rows * D, qt->q_biased);
    int64_t key_end_max = 0;
    for (int r = 0; r < qt->rows; r++) {
        qt->key_end[r] = visible_keys(job->causal, i0 + r, Nq, Nk);
        if (qt->key_end[r] > key_end_max) key_end_max = qt->key_end[r];
    }
    start_tile(qt, D);
    const key_block *blocks = job->blocks + (b * Hkv + hk) * job->n_kblocks;
    for (int64_t j = 0; j * job->bk < key_end_max; j++) attn_block_step(&job->sc, qt, &blocks[j], &w->step);
    for (int r = 0; r < qt->rows; r++) {
        float *lse_slot = job->lse ? job->lse + bh * Nq + i0 + r : NULL;
        finish_row(qt, r, D, job->out, b, h, i0 + r, lse_slot);
        if (lse_slot && job->k_shift && qt->l[r] > 0.0f)
            *lse_slot += smoothing_lse_offset(job, b, h, i0 + r, job->k_shift + (b * Hkv + hk) * D, w->staging);
    }
}

static int check_dense_shapes(const ta_view4 *q, const ta_view4 *k, const ta_view4 *v, const ta_view4 *out)
{
    if (check_cpu_view(q, "q") || check_cpu_view(k, "k") || check_cpu_view(v, "v") || check_cpu_view(out, "out"))
        return TA_ERR_INVALID;
    for (int i = 0; i < 4; i++)
        if (k->shape[i] != v->shape[i] || out->shape[i] != q->shape[i]) {
            ta_set_error("k and v must have the same shape and out the shape of q");
            return TA_ERR_INVALID;
        }
    if (k->shape[0] != q->shape[0] || k->shape[3] != q->shape[3]) {
        ta_set_error("k must have the batch and head dim of q");
        return TA_ERR_INVALID;
    }
    if (k->shape[1] < 1 || q->shape[1] % k->shape[1] != 0) {
        ta_set_error("q heads (%lld) must be a multiple of k heads (%lld)", (long long)q->shape[1],
                     (long long)k->shape[1]);
        return TA_ERR_INVALID;
    }
    return check_head_dim(q->shape[3]);
}

int ta_attention_cpu(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                     const ta_view4 *out, float *lse)
{
    int rc = check_params(p, 1);
    if (rc == TA_OK) rc = check_dense_shapes(q, k, v, out);
    if (rc != TA_OK) return rc;
    ta_sas_cpu_init();
    ta_igemm_simd_active(); /* decide the kernel before threads read the flag */
    int D = (int)q->shape[3];
    int64_t B = k->shape[0], Hkv = k->shape[1];
    dense_job job = {q, k, v, out, lse, make_step_consts(p, D, p->block_k), p->causal != 0, p->block_q, p->block_k,
                     p->qk_scale_token != 0, p->sm_scale};
    job.n_qblocks = (q->shape[2] + job.bq - 1) / job.bq;
    job.n_kblocks = (k->shape[2] + job.bk - 1) / job.bk;
    int64_t n_key_items = B * Hkv * job.n_kblocks;
    int64_t n_query_items = q->shape[0] * q->shape[1] * job.n_qblocks;
    int n_workers = p->n_threads < 1 ? 1 : p->n_threads;
    size_t pack_bytes = round64((size_t)D * job.sc.bkp);
    size_t block_bytes = 2 * pack_bytes + round64(sizeof(int32_t) * job.sc.bkp) + round64(sizeof(float) * job.sc.bkp);
    char *key_mem = NULL;
    rc = TA_ERR_NOMEM;
    job.blocks = calloc((size_t)n_key_items, sizeof(key_block));
    key_mem = aligned_alloc(64, block_bytes * (size_t)n_key_items);
    if (p->k_smooth) job.k_shift = malloc(sizeof(float) * (size_t)(B * Hkv * D));
    if (p->qk_equalize) job.chan_scale = malloc(sizeof(float) * (size_t)(B * Hkv * D));
    /* q8 must hold a block of keys and one of values during packing: rows = max(bq, 2 * bk). */
    int rows = job.bq > 2 * job.bk ? job.bq : 2 * job.bk;
    job.workers = alloc_workers(n_workers, rows, D, job.bk, job.sc.bkp, 0);
    if (!job.blocks || !key_mem || !job.workers || (p->k_smooth && !job.k_shift) ||
        (p->qk_equalize && !job.chan_scale)) {
        ta_set_error("out of memory for attention scratch");
        goto done;
    }
    for (int64_t i = 0; i < n_key_items; i++) {
        char *at = key_mem + block_bytes * (size_t)i;
        job.blocks[i].k_pack = (int8_t *)at;
        job.blocks[i].v_pack = (int8_t *)(at + pack_bytes);
        job.blocks[i].k_sum = (int32_t *)(at + 2 * pack_bytes);
        job.blocks[i].k_row_scale = (float *)(at + 2 * pack_bytes + round64(sizeof(int32_t) * job.sc.bkp));
    }
    if (job.k_shift || job.chan_scale) ta_parallel_for(B * Hkv, n_workers, dense_stats_item, &job);
    ta_parallel_for(n_key_items, n_workers, dense_pack_item, &job);
    ta_parallel_for(n_query_items, n_workers, dense_query_item, &job);
    rc = TA_OK;
done:
    free_scratch(job.workers, n_workers);
    free(job.chan_scale);
    free(job.k_shift);
    free(key_mem);
    free(job.blocks);
    return rc;
}

/* ---- compressed cache (SPEC section 5) --------------------------------------------------------------- */

/* Code t of a packed group whose bytes are pitch apart (ta_kv_key_pitch, ta_kv_value_pitch). */
static inline int unpack_code(const uint8_t *bytes, int pitch, int t, int bits)
{
    int bit = t * bits;
    return (bytes[(bit >> 3) * pitch] >> (bit & 7)) & ((1 << bits) - 1);
}

/* SPEC section 4's integer reconstruction, the only way codes leave the cache. */
static inline int8_t reconstruct_code(int u, int step, int zero)
{
    int x = u * step + zero;
    return (int8_t)(x > TA_INT8_MAX ? TA_INT8_MAX : (x < -TA_INT8_MAX ? -TA_INT8_MAX : x));
}

/* Block j of (b, h) back to INT8 keys and values, [block][D] each (layout: docs/DESIGN.md). */
static void reconstruct_kv_block(const ta_kv *kv, int64_t j, int64_t h, int64_t b, int8_t *k8, int8_t *v8)
{
    int D = kv->D, bs = kv->block, bits = kv->bits[h];
    int64_t H = kv->H, B = kv->B;
    int64_t channel_bytes = (bs * bits + 7) / 8;
    const uint8_t *k_codes = kv->k_codes + j * kv->KB + kv->k_head_off[h] + b * ta_kv_key_bytes(D, bs, bits);
    int64_t k_group = ((j * H + h) * B + b) * D;
    for (int c = 0; c < D; c++) {
        int step = kv->k_group_step[k_group + c], zero = kv->k_group_zero[k_group + c];
        const uint8_t *channel = k_codes + ta_kv_key_row(D, channel_bytes, bits, c);
        const int pitch = ta_kv_key_pitch(D, bits, c);
        for (int t = 0; t < bs; t++)
            k8[(int64_t)t * D + c] = reconstruct_code(unpack_code(channel, pitch, t, bits), step, zero);
    }
    int64_t value_row_bytes = ta_kv_value_row_bytes(D, bits);
    const int v_pitch = ta_kv_value_pitch(bits);
    const uint8_t *v_codes = kv->v_codes + j * kv->VB + kv->v_head_off[h] + b * ta_kv_value_bytes(D, bs, bits);
    for (int t = 0; t < bs; t++) {
        int64_t v_group = (((j * H + h) * B + b) * bs + t) * kv->G;
        const uint8_t *packed = v_codes + ta_kv_value_row(value_row_bytes, bits, t); /* group g's bytes, at v_pitch */
        for (int g = 0, c0 = 0; c0 < D; g++, c0 += TA_KV_GROUP) {
            int len = D - c0 < TA_KV_GROUP ? D - c0 : TA_KV_GROUP;
            int step = kv->v_group_step[v_group + g], zero = kv->v_group_zero[v_group + g];
            for (int i = 0; i < len; i++)
                v8[(int64_t)t * D + c0 + i] = reconstruct_code(unpack_code(packed, v_pitch, i, bits), step, zero);
            packed += (int64_t)(len * bits + 7) / 8 * v_pitch;
        }
    }
}

typedef struct {
    const ta_view4 *q, *out;
    const ta_kv *kv;
    float *lse;
    step_consts sc;
    int causal, group;
    int64_t n_tiles, n_tokens;
    worker_scratch *workers;
} kv_job;

/* Tile rows are (query head of the group, query row) pairs of one KV head, so every block reconstructed
 * here serves the whole group. Each row is its own stage-1 block (SPEC section 5). */
static void kv_query_item(void *ctx, int64_t item, int worker)
{
    kv_job *job = (kv_job *)ctx;
    worker_scratch *w = &job->workers[worker];
    query_tile *qt = &w->tile;
    const ta_kv *kv = job->kv;
    int D = job->sc.D;
    int64_t Hq = job->q->shape[1], Nq = job->q->shape[2], Nk = job->n_tokens;
    int64_t tile = item % job->n_tiles, bh = item / job->n_tiles;
    int64_t b = bh / kv->H, hk = bh % kv->H;
    int64_t pair0 = tile * KV_TILE_ROWS, pairs = job->group * Nq;
    qt->rows = (int)(pairs - pair0 < KV_TILE_ROWS ? pairs - pair0 : KV_TILE_ROWS);
    int64_t key_end_max = 0;
    for (int r = 0; r < qt->rows; r++) {
        int64_t h = hk * job->group + (pair0 + r) / Nq, i = (pair0 + r) % Nq;
        qt->q_scale[r] = quantize_rows(job->q, b, h, i, 1, w->staging, w->q8 + (int64_t)r * D, NULL);
        qt->key_end[r] = visible_keys(job->causal, i, Nq, Nk);
        if (qt->key_end[r] > key_end_max) key_end_max = qt->key_end[r];
    }
    bias_codes(w->q8, (int64_t)qt->rows * D, qt->q_biased);
    start_tile(qt, D);
    key_block *kb = &w->kb;
    for (int64_t j = 0; j < kv->n_blocks && j * kv->block < key_end_max; j++) {
        reconstruct_kv_block(kv, j, hk, b, w->k8, w->v8);
        fill_key_block(w->k8, w->v8, kv->block, D, job->sc.bkp, kb);
        kb->key0 = j * kv->block;
        kb->k_scale = kv->k_block_scale[(j * kv->H + hk) * kv->B + b];
        kb->v_scale = kv->v_block_scale[(j * kv->H + hk) * kv->B + b];
        attn_block_step(&job->sc, qt, kb, &w->step);
    }
    int64_t residual0 = kv->n_blocks * kv->block;
    if (kv->n_residual > 0 && residual0 < key_end_max) {
        int n_res = (int)kv->n_residual;
        kb->k_scale = quantize_rows(&kv->residual_k, b, hk, 0, n_res, w->staging, w->k8, NULL);
        kb->v_scale = quantize_rows(&kv->residual_v, b, hk, 0, n_res, w->staging, w->v8, NULL);
        fill_key_block(w->k8, w->v8, n_res, D, job->sc.bkp, kb);
        kb->key0 = residual0;
        attn_block_step(&job->sc, qt, kb, &w->step);
    }
    for (int r = 0; r < qt->rows; r++) {
        int64_t h = hk * job->group + (pair0 + r) / Nq, i = (pair0 + r) % Nq;
        finish_row(qt, r, D, job->out, b, h, i, job->lse ? job->lse + (b * Hq + h) * Nq + i : NULL);
    }
}

static int check_kv_shapes(const ta_view4 *q, const ta_kv *kv, const ta_view4 *out)
{
    if (check_cpu_view(q, "q") || check_cpu_view(out, "out")) return TA_ERR_INVALID;
    for (int i = 0; i < 4; i++)
        if (out->shape[i] != q->shape[i]) {
            ta_set_error("out must have the shape of q");
            return TA_ERR_INVALID;
        }
    if (kv->B != q->shape[0] || kv->D != q->shape[3]) {
        ta_set_error("the KV cache must have the batch and head dim of q (got B=%d, D=%d; q has %lld, %lld)", kv->B,
                     kv->D, (long long)q->shape[0], (long long)q->shape[3]);
        return TA_ERR_INVALID;
    }
    if (kv->H < 1 || q->shape[1] % kv->H != 0) {
        ta_set_error("q heads (%lld) must be a multiple of the KV cache's heads (%d)", (long long)q->shape[1], kv->H);
        return TA_ERR_INVALID;
    }
    if (kv->block < 8 || kv->block > MAX_BLOCK || kv->block % 8 != 0) {
        ta_set_error("KV cache block must be a multiple of 8 in [8, %d] (got %d)", MAX_BLOCK, kv->block);
        return TA_ERR_INVALID;
    }
    if (kv->n_residual < 0 || kv->n_residual >= kv->block || kv->n_blocks < 0 || kv->n_blocks > kv->cap_blocks) {
        ta_set_error("KV cache has inconsistent sizes (n_blocks %lld, n_residual %lld)", (long long)kv->n_blocks,
                     (long long)kv->n_residual);
        return TA_ERR_INVALID;
    }
    for (int h = 0; h < kv->H; h++)
        if (kv->bits[h] != 2 && kv->bits[h] != 4 && kv->bits[h] != 8) {
            ta_set_error("KV cache head %d has %d bits (expected 2, 4 or 8)", h, kv->bits[h]);
            return TA_ERR_INVALID;
        }
    return check_head_dim(q->shape[3]);
}

int ta_attention_kv_cpu(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out, float *lse)
{
    int rc = check_params(p, 0);
    if (rc == TA_OK) rc = check_kv_shapes(q, kv, out);
    if (rc != TA_OK) return rc;
    ta_sas_cpu_init();
    ta_igemm_simd_active();
    int D = (int)q->shape[3];
    kv_job job = {q, out, kv, lse, make_step_consts(p, D, kv->block), p->causal != 0, (int)(q->shape[1] / kv->H)};
    job.n_tokens = kv->n_blocks * kv->block + kv->n_residual;
    job.n_tiles = (job.group * q->shape[2] + KV_TILE_ROWS - 1) / KV_TILE_ROWS;
    int n_workers = p->n_threads < 1 ? 1 : p->n_threads;
    job.workers = alloc_workers(n_workers, KV_TILE_ROWS, D, kv->block, job.sc.bkp, 1);
    if (!job.workers) {
        ta_set_error("out of memory for attention scratch");
        return TA_ERR_NOMEM;
    }
    ta_parallel_for((int64_t)kv->B * kv->H * job.n_tiles, n_workers, kv_query_item, &job);
    free_scratch(job.workers, n_workers);
    return TA_OK;
}
