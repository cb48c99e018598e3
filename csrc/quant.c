/* SPEC section 1 (stage-1 symmetric INT8 blocks) and section 4 (stage-2 integer groups of the KV cache)
 * on the CPU. This is the reference the CUDA path is compared against code for code, so every rounding
 * is written out: float32 block scales, nearbyintf (ties to even), integer-only stage 2. */
#include "quant.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ta_consts.h"
#include "ta_status.h"
#include "threads.h"

/* ---- stage 1 -------------------------------------------------------------------------------------- */

/* Quantizes rows [n0, n0 + rows) of (b, h) into codes[r * D + d] and returns the block's scale.
 * A block whose amax is below FLT_MIN (all zero, or only float32 subnormals) is stored as zero:
 * 127 / amax would overflow there, and such a block carries nothing attention can resolve. */
static float quantize_block_int8(const ta_view4 *x, int64_t b, int64_t h, int64_t n0, int64_t rows, int8_t *codes)
{
    int64_t D = x->shape[3];
    float amax = 0.0f;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t d = 0; d < D; d++) {
            float a = fabsf(ta_load(x, ta_offset(x, b, h, n0 + r, d)));
            if (a > amax) amax = a;
        }
    if (!(amax >= FLT_MIN)) {
        memset(codes, 0, (size_t)(rows * D));
        return 0.0f;
    }
    float inv = (float)TA_INT8_MAX / amax; /* once per block, so every element sees the same factor */
    for (int64_t r = 0; r < rows; r++)
        for (int64_t d = 0; d < D; d++) {
            float q = nearbyintf(ta_load(x, ta_offset(x, b, h, n0 + r, d)) * inv);
            if (q > TA_INT8_MAX) q = TA_INT8_MAX; /* x * inv can round one step past 127 */
            if (q < -TA_INT8_MAX) q = -TA_INT8_MAX;
            codes[r * D + d] = (int8_t)q;
        }
    return amax / (float)TA_INT8_MAX;
}

typedef struct {
    const ta_view4 *x;
    int block;
    int64_t n_blocks;
    int8_t *codes;
    float *scales;
} int8_job;

static void int8_item(void *ctx, int64_t item, int worker)
{
    const int8_job *job = (const int8_job *)ctx;
    const ta_view4 *x = job->x;
    int64_t H = x->shape[1], N = x->shape[2], D = x->shape[3];
    int64_t j = item % job->n_blocks, bh = item / job->n_blocks;
    int64_t b = bh / H, h = bh % H;
    int64_t n0 = j * job->block;
    int64_t rows = N - n0 < job->block ? N - n0 : job->block; /* the last block may be short */
    int8_t *out = job->codes + (bh * N + n0) * D;
    job->scales[item] = quantize_block_int8(x, b, h, n0, rows, out);
}

int ta_quantize_int8_cpu(const ta_view4 *x, int block, int8_t *codes, float *scales, int n_threads)
{
    if (block <= 0 || block % 8 != 0) {
        ta_set_error("block must be a positive multiple of 8 (got %d)", block);
        return TA_ERR_INVALID;
    }
    if (x->device != TA_CPU) {
        ta_set_error("x must be in host memory for the CPU path");
        return TA_ERR_INVALID;
    }
    int64_t n_blocks = (x->shape[2] + block - 1) / block;
    int8_job job = {x, block, n_blocks, codes, scales};
    ta_parallel_for(x->shape[0] * x->shape[1] * n_blocks, n_threads, int8_item, &job);
    return TA_OK;
}

/* ---- stage 2 -------------------------------------------------------------------------------------- */

static int bits_valid(int bits) { return bits == 2 || bits == 4 || bits == 8; }

/* Stage 2 of one group of n int8 codes (read with a stride): integer step and zero, codes u in [0, L]
 * packed little-end first. Integer-only so that decode can rebuild INT8 without floating point. */
/* The codes' bytes are pitch apart in `packed` (keys: ta_kv_key_pitch; values: 1). */
static void compress_group(const int8_t *x, int64_t n, int64_t stride, int bits, uint8_t *packed, int pitch,
                           uint8_t *step, int8_t *zero)
{
    int lo = x[0], hi = x[0];
    for (int64_t i = 1; i < n; i++) {
        int c = x[i * stride];
        if (c < lo) lo = c;
        if (c > hi) hi = c;
    }
    int L = (1 << bits) - 1;
    int s = (hi - lo + L - 1) / L; /* hi - lo >= 0, so this is the integer ceiling */
    if (s < 1) s = 1;
    int per_byte = 8 / bits;
    for (int64_t k = 0; k < (n * bits + 7) / 8; k++) packed[k * pitch] = 0;
    for (int64_t i = 0; i < n; i++) {
        int u = (x[i * stride] - lo + s / 2) / s; /* numerator >= 0: division rounds half up */
        if (u > L) u = L;
        packed[i / per_byte * pitch] |= (uint8_t)(u << ((i % per_byte) * bits));
    }
    *step = (uint8_t)s;
    *zero = (int8_t)lo;
}

/* The inverse: x̂ = clamp(u·s + z, −127, 127) for n codes, written with a stride. */
static void reconstruct_group(const uint8_t *packed, int pitch, int64_t n, int bits, int step, int zero, int8_t *out,
                              int64_t stride)
{
    int per_byte = 8 / bits, mask = (1 << bits) - 1;
    for (int64_t i = 0; i < n; i++) {
        int u = (packed[i / per_byte * pitch] >> ((i % per_byte) * bits)) & mask;
        int x = u * step + zero;
        if (x > TA_INT8_MAX) x = TA_INT8_MAX;
        if (x < -TA_INT8_MAX) x = -TA_INT8_MAX;
        out[i * stride] = (int8_t)x;
    }
}

/* Where (block j, head h, batch b) lives in each array of the layout (docs/DESIGN.md). */
static int64_t key_bytes_of(const ta_kv *kv, int h) { return ta_kv_key_bytes(kv->D, kv->block, kv->bits[h]); }
static int64_t value_row_bytes_of(const ta_kv *kv, int h) { return ta_kv_value_row_bytes(kv->D, kv->bits[h]); }
static int64_t group_index(const ta_kv *kv, int64_t j, int h, int b) { return (j * kv->H + h) * kv->B + b; }
/* The value bytes of (block j, head h, batch b): token r's row at ta_kv_value_row (csrc/kv.h). */
static uint8_t *value_bytes_at(const ta_kv *kv, int64_t j, int h, int b)
{
    return kv->v_codes + j * kv->VB + kv->v_head_off[h] + b * ta_kv_value_bytes(kv->D, kv->block, kv->bits[h]);
}

static int group_len(int D, int g) { return D - g * TA_KV_GROUP < TA_KV_GROUP ? D - g * TA_KV_GROUP : TA_KV_GROUP; }

/* Keys of one (block, head, batch): one group per channel, over the block's tokens (keys carry outlier
 * channels, so a channel-wise range keeps them from flattening every other channel). */
static void compress_keys(ta_kv *kv, int64_t j, int h, int b, const int8_t *codes)
{
    int D = kv->D, bits = kv->bits[h];
    int64_t channel_bytes = (kv->block * bits + 7) / 8;
    uint8_t *dst = kv->k_codes + j * kv->KB + kv->k_head_off[h] + b * key_bytes_of(kv, h);
    int64_t g0 = group_index(kv, j, h, b) * D;
    for (int c = 0; c < D; c++)
        compress_group(codes + c, kv->block, D, bits, dst + ta_kv_key_row(D, channel_bytes, bits, c),
                       ta_kv_key_pitch(D, bits, c), &kv->k_group_step[g0 + c], &kv->k_group_zero[g0 + c]);
}

/* Values of one (block, head, batch): per token, in runs of 64 channels (values have no outlier
 * channels, and a per-token range follows each token's own magnitude). */
static void compress_values(ta_kv *kv, int64_t j, int h, int b, const int8_t *codes)
{
    int D = kv->D, bits = kv->bits[h];
    int64_t vrow = value_row_bytes_of(kv, h);
    const int pitch = ta_kv_value_pitch(bits);
    uint8_t *base = value_bytes_at(kv, j, h, b);
    for (int r = 0; r < kv->block; r++) {
        int64_t g0 = (group_index(kv, j, h, b) * kv->block + r) * kv->G;
        uint8_t *dst = base + ta_kv_value_row(vrow, bits, r); /* the row's next byte */
        for (int g = 0; g < kv->G; g++) {
            int len = group_len(D, g), n = (len * bits + 7) / 8;
            compress_group(codes + (int64_t)r * D + g * TA_KV_GROUP, len, 1, bits, dst, pitch, &kv->v_group_step[g0 + g],
                           &kv->v_group_zero[g0 + g]);
            dst += (int64_t)n * pitch;
        }
    }
}

typedef struct {
    ta_kv *kv;
    const ta_view4 *k, *v;
    int64_t blk0, row0;
    int8_t *scratch; /* per worker: stage-1 codes of one K block, then of one V block */
} compress_job;

static void compress_item(void *ctx, int64_t item, int worker)
{
    const compress_job *job = (const compress_job *)ctx;
    ta_kv *kv = job->kv;
    int b = (int)(item % kv->B), h = (int)(item / kv->B % kv->H);
    int64_t i = item / ((int64_t)kv->B * kv->H), j = job->blk0 + i;
    int64_t n0 = job->row0 + i * kv->block;
    int8_t *codes = job->scratch + (int64_t)worker * kv->block * kv->D;
    int64_t scale_at = group_index(kv, j, h, b);
    kv->k_block_scale[scale_at] = quantize_block_int8(job->k, b, h, n0, kv->block, codes);
    compress_keys(kv, j, h, b, codes);
    kv->v_block_scale[scale_at] = quantize_block_int8(job->v, b, h, n0, kv->block, codes);
    compress_values(kv, j, h, b, codes);
}

static int check_kv_header(const ta_kv *kv)
{
    if (kv->B <= 0 || kv->H <= 0 || kv->D <= 0 || kv->block <= 0 || kv->block % 8 != 0 ||
        kv->G != (kv->D + TA_KV_GROUP - 1) / TA_KV_GROUP) {
        ta_set_error("kv has an invalid shape (B=%d, H=%d, D=%d, block=%d, G=%d)", kv->B, kv->H, kv->D, kv->block,
                     kv->G);
        return TA_ERR_INVALID;
    }
    for (int h = 0; h < kv->H; h++)
        if (!bits_valid(kv->bits[h])) {
            ta_set_error("kv.bits[%d] must be 2, 4 or 8 (got %d)", h, kv->bits[h]);
            return TA_ERR_INVALID;
        }
    return TA_OK;
}

int ta_kv_compress_cpu(ta_kv *kv, const ta_view4 *k, const ta_view4 *v, int64_t blk0, int64_t nblk, int64_t row0,
                       int n_threads)
{
    int st = check_kv_header(kv);
    if (st != TA_OK) return st;
    if ((st = ta_kv_check_compress_args(kv, k, v, blk0, nblk, row0, TA_CPU)) != TA_OK) return st;
    if (nblk == 0) return TA_OK;
    int64_t n_items = nblk * kv->H * kv->B;
    if (n_threads < 1) n_threads = 1;
    if (n_threads > n_items) n_threads = (int)n_items;
    int8_t *scratch = malloc((size_t)n_threads * (size_t)kv->block * (size_t)kv->D);
    if (!scratch) {
        ta_set_error("out of memory for %d stage-1 scratch blocks", n_threads);
        return TA_ERR_NOMEM;
    }
    compress_job job = {kv, k, v, blk0, row0, scratch};
    ta_parallel_for(n_items, n_threads, compress_item, &job);
    free(scratch);
    return TA_OK;
}

/* ---- reconstruction ------------------------------------------------------------------------------- */

typedef struct {
    const ta_kv *kv;
    int8_t *k8, *v8;
} reconstruct_job;

static void reconstruct_item(void *ctx, int64_t item, int worker)
{
    const reconstruct_job *job = (const reconstruct_job *)ctx;
    const ta_kv *kv = job->kv;
    int b = (int)(item % kv->B), h = (int)(item / kv->B % kv->H);
    int64_t j = item / ((int64_t)kv->B * kv->H);
    int D = kv->D, bits = kv->bits[h];
    int64_t n_rows = kv->n_blocks * kv->block;
    int64_t out0 = (((int64_t)b * kv->H + h) * n_rows + j * kv->block) * D; /* row j*block of (b, h) */

    int64_t channel_bytes = (kv->block * bits + 7) / 8;
    const uint8_t *ksrc = kv->k_codes + j * kv->KB + kv->k_head_off[h] + b * key_bytes_of(kv, h);
    int64_t g0 = group_index(kv, j, h, b) * D;
    for (int c = 0; c < D; c++)
        reconstruct_group(ksrc + ta_kv_key_row(D, channel_bytes, bits, c), ta_kv_key_pitch(D, bits, c), kv->block, bits,
                          kv->k_group_step[g0 + c], kv->k_group_zero[g0 + c], job->k8 + out0 + c, D);

    int64_t vrow = value_row_bytes_of(kv, h);
    const int pitch = ta_kv_value_pitch(bits);
    const uint8_t *vbase = value_bytes_at(kv, j, h, b);
    for (int r = 0; r < kv->block; r++) {
        int64_t vg0 = (group_index(kv, j, h, b) * kv->block + r) * kv->G;
        const uint8_t *src = vbase + ta_kv_value_row(vrow, bits, r);
        for (int g = 0; g < kv->G; g++) {
            int len = group_len(D, g), n = (len * bits + 7) / 8;
            reconstruct_group(src, pitch, len, bits, kv->v_group_step[vg0 + g], kv->v_group_zero[vg0 + g],
                              job->v8 + out0 + (int64_t)r * D + g * TA_KV_GROUP, 1);
            src += (int64_t)n * pitch;
        }
    }
}

int ta_kv_reconstruct_int8_cpu(const ta_kv *kv, int8_t *k8, int8_t *v8, int n_threads)
{
    int st = check_kv_header(kv);
    if (st != TA_OK) return st;
    if (kv->n_blocks < 0 || kv->n_blocks > kv->cap_blocks) {
        ta_set_error("kv.n_blocks (%lld) must be in [0, %lld]", (long long)kv->n_blocks, (long long)kv->cap_blocks);
        return TA_ERR_INVALID;
    }
    reconstruct_job job = {kv, k8, v8};
    ta_parallel_for(kv->n_blocks * kv->H * kv->B, n_threads, reconstruct_item, &job);
    return TA_OK;
}
