/* SPEC section 1 on the GPU: symmetric INT8 blocks of 64 rows, one CTA per (tensor, batch, head, block).
 *
 * Each CTA reads its 64 x D tile of the input once into registers (16-byte loads when the rows allow),
 * reduces the block's amax, and writes codes with exactly the CPU's float operations (quant.c:
 * inv = 127 / amax once, nearbyint(x * inv) clamped to +-127, scale = amax / 127, a block whose amax is
 * below FLT_MIN is all zero), so codes and scales are bit-identical. NaN/Inf are flagged in device memory
 * in the same pass; the host checks the flag before it returns anything made from the codes (the attention
 * kernel checks it too, before it writes).
 *
 * The attention pre-pass runs q, k and v through one launch and writes the padded operand layouts of
 * quant.cuh: K and V^T as swizzled tile images, V transposed through shared memory. */
#include "quant.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <float.h>
#include <pthread.h>

#include "cuda_common.cuh"
#include "prefill_tiles.cuh"
#include "ta_consts.h"

#define QUANT_THREADS 256
#define QUANT_ROWS 64
#define QUANT_MAX_D 256
/* Groups of 8 elements per thread for head dims up to MAXD. The kernel is instantiated for MAXD = 256 and
 * 128: at D <= 128 the second holds half the registers and shared memory, so more CTAs (and more loads
 * in flight) fit on an SM: 5 instead of 4 for 16-bit inputs (6 or more spill, ptxas). */
#define QUANT_GROUPS_PER_THREAD(MAXD) (QUANT_ROWS * (MAXD) / 8 / QUANT_THREADS)

/* ROWS: codes [B, H, rows_out, d_out] as they are. The attention pre-pass writes K and V^T as the images
 * that its kernel's shared-memory tiles hold, so one bulk copy per 64-key block fills a stage:
 * K_TILES: ROWS with the 16-byte chunks of each row XOR-swizzled by ta_k_chunk;
 * VT_TILES: per 64-key block, d_out channel rows of 64 keys, chunks swizzled by ta_vt_chunk. */
enum { LAYOUT_ROWS = 0, LAYOUT_K_TILES = 1, LAYOUT_VT_TILES = 2 };

typedef struct {
    const void *data;
    int64_t stride[4];
    int64_t N;
    int H, D;
    int dtype;
    int vec;          /* 1: every group of 8 elements is one aligned 16-byte (32 for float32) run */
    int8_t *codes;
    float *scales;
    int *bad, *bad_host; /* NaN/Inf flags set to epoch; bad_host (mapped host memory) may be NULL */
    int epoch;
    int64_t rows_out; /* code rows per (batch, head): N, or N padded to whole blocks */
    int d_out;        /* code columns: D, or the padded head dim (extra columns are zero) */
    int layout;
    int n_blocks;     /* ceil(N / 64): scale entries per (batch, head) */
    int64_t cta_end;  /* this job owns CTAs [previous job's cta_end, cta_end) */
    uint32_t nb_mul, h_mul; /* udiv by n_blocks and by H (udiv_magic) */
    int nb_shift, h_shift;
} quant_job;

/* n / d for n < 2^31 as one 32 x 32 -> 64-bit product and a shift, with mul and shift made on the host by
 * udiv_magic. The CTA's (batch, head, block) took two 32-bit divisions by runtime values, about 40 dependent
 * instructions of the ~190 that ran before a CTA's first load (NOTES-prefill v17). Exact: with s = 31 +
 * ceil(log2 d) and mul = ceil(2^s / d) = (2^s + e) / d, 0 <= e < d, n mul / 2^s = n / d + n e / (d 2^s), and
 * n e < 2^31 d <= 2^s makes the excess below 1 / d, too little to reach the next integer. mul < 2^32 because
 * d > 2^(s - 32) unless d is a power of two (then mul = 2^31). */
__device__ __forceinline__ uint32_t udiv(uint32_t n, uint32_t mul, int shift)
{
    return (uint32_t)(((uint64_t)n * mul) >> shift);
}

typedef struct {
    quant_job job[3];
    int n_jobs;
} quant_jobs;

/* Inputs are held in registers between the amax pass and the code pass in their own width: eight 16-bit
 * values in four words (so a CTA needs half the registers and more CTAs fit per SM), float32 in eight. */
template <int WIDE> struct group8 {
    uint32_t w[WIDE ? 8 : 4];
};

__device__ __forceinline__ uint32_t load_bits(const void *data, int wide, int64_t off)
{
    return wide ? ((const uint32_t *)data)[off] : (uint32_t)((const uint16_t *)data)[off];
}

/* Eight consecutive elements of one row starting at element offset off, 16-byte loads (vec path). */
template <int WIDE> __device__ __forceinline__ void load_eight(const void *data, int64_t off, group8<WIDE> &g)
{
    if (WIDE) {
        const uint4 *p = (const uint4 *)((const uint32_t *)data + off);
        uint4 a = __ldg(p), b = __ldg(p + 1);
        g.w[0] = a.x, g.w[1] = a.y, g.w[2] = a.z, g.w[3] = a.w, g.w[4] = b.x, g.w[5] = b.y, g.w[6] = b.z;
        g.w[WIDE ? 7 : 3] = b.w;
    } else {
        uint4 raw = __ldg((const uint4 *)((const uint16_t *)data + off));
        g.w[0] = raw.x, g.w[1] = raw.y, g.w[2] = raw.z, g.w[3] = raw.w;
    }
}

template <int WIDE> __device__ __forceinline__ void unpack(const group8<WIDE> &g, int dtype, float v[8])
{
#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (WIDE) {
            v[2 * i] = __uint_as_float(g.w[2 * i]), v[2 * i + 1] = __uint_as_float(g.w[WIDE ? 2 * i + 1 : 0]);
        } else if (dtype == TA_F16) {
            float2 f = __half22float2(*(const __half2 *)&g.w[i]);
            v[2 * i] = f.x, v[2 * i + 1] = f.y;
        } else {
            float2 f = __bfloat1622float2(*(const __nv_bfloat162 *)&g.w[i]);
            v[2 * i] = f.x, v[2 * i + 1] = f.y;
        }
    }
}

/* clamp(nearbyintf(x * inv), -127, 127) in the low byte of the returned word: the product rounded once as
 * in C, clamped in float (the bounds are integers, so clamping before rounding gives the same code), then
 * rounded half-to-even by adding 1.5 * 2^23 (cuda_common.cuh) instead of F2I, which runs at 1/8 rate. */
__device__ __forceinline__ uint32_t code_of(float x, float inv)
{
    float y = fminf(fmaxf(__fmul_rn(x, inv), -(float)TA_INT8_MAX), (float)TA_INT8_MAX);
    return __float_as_uint(__fadd_rn(y, TA_MAGIC_F));
}

/* code_of for float16 inputs, without the clamp, which is dead there: |x| <= amax for every x of the block, and
 * a float16 amax is 0 (inv = 0) or at least 2^-24, so inv = 127 / amax is finite and |x inv| <= 127 (1 + 2^-24)^2
 * after the two roundings, which rounds to 127 at most. (bfloat16 and float32 reach amax below 127 / FLT_MAX, where
 * inv is infinite and the clamp decides.) */
__device__ __forceinline__ uint32_t code_of_f16(float x, float inv)
{
    return __float_as_uint(__fadd_rn(__fmul_rn(x, inv), TA_MAGIC_F));
}

/* The codes of eight values, without the clamp for float16 inputs (a launch-uniform choice). */
__device__ __forceinline__ void codes_of(const float v[8], float inv, bool f16, uint32_t c8[8])
{
    if (f16) {
#pragma unroll
        for (int i = 0; i < 8; i++) c8[i] = code_of_f16(v[i], inv);
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) c8[i] = code_of(v[i], inv);
    }
}

/* The low bytes of four code_of words as one little-endian word. */
__device__ __forceinline__ uint32_t pack4(const uint32_t *c)
{
    return __byte_perm(__byte_perm(c[0], c[1], 0x0040), __byte_perm(c[2], c[3], 0x0040), 0x5410);
}

/* Column of code (r, c) of a block inside its output row: swizzled for the K tiles. */
__device__ __forceinline__ int code_col(const quant_job &jb, int r, int c)
{
    return jb.layout == LAYOUT_K_TILES ? ta_k_chunk(jb.d_out, r, c >> 4) * 16 + (c & 15) : c;
}

/* The packed 16-bit form of the block maximum and the finiteness check: four words of pairs (T2 = __half2 or
 * __nv_bfloat162; the kernel says why this is the same maximum and a complete check). */
template <typename T2, int WORDS>
__device__ __forceinline__ void pairs_max_check(const uint32_t (&w)[WORDS], T2 zero, T2 &amax, T2 &check)
{
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const T2 h2 = *(const T2 *)&w[i];
        amax = __hmax2(amax, __habs2(h2));
        check = __hfma2(h2, zero, check);
    }
}

template <int WIDE, int MAXD>
__global__ void __launch_bounds__(QUANT_THREADS, MAXD <= 128 ? (WIDE ? 4 : 5) : (WIDE ? 2 : 4))
    quantize_blocks_kernel(quant_jobs jobs)
{
    __shared__ float warp_amax[QUANT_THREADS / 32];
    __shared__ uint32_t vt_stage[QUANT_ROWS * (MAXD + 4) / 4]; /* codes [64][d_out + 4] bytes */

    /* 32-bit index arithmetic: the launcher keeps the grid below 2^31 CTAs (64-bit division is a call). */
    const unsigned cta = blockIdx.x;
    int which = 0;
    while (which + 1 < jobs.n_jobs && cta >= jobs.job[which].cta_end) which++;
    const quant_job &jb = jobs.job[which];
    const unsigned local = cta - (unsigned)(which ? jobs.job[which - 1].cta_end : 0);
    const unsigned bh32 = udiv(local, jb.nb_mul, jb.nb_shift), b32 = udiv(bh32, jb.h_mul, jb.h_shift);
    const int blk = (int)(local - bh32 * (unsigned)jb.n_blocks);
    const int64_t bh = bh32, b = b32, h = bh32 - b32 * (unsigned)jb.H;
    const int64_t row0 = (int64_t)blk * QUANT_ROWS;
    const int rows_valid = (int)min((int64_t)QUANT_ROWS, jb.N - row0);
    const int D = jb.D, n_groups = QUANT_ROWS * D / 8;
    const int64_t base = b * jb.stride[0] + h * jb.stride[1] + row0 * jb.stride[2];
    const int tid = threadIdx.x;
    /* Row and column of group g = tid + k * QUANT_THREADS (8 elements from e0 = 8 g): when a row's groups
     * divide the CTA (D = 8, 16, ..., 256), one division per thread instead of one per group and pass. Such
     * rows with 16-byte runs (`fast`) then step by r_step rows per group, from one address per thread. */
    const int gpr = D / 8;
    const bool fast_pos = D % 8 == 0 && QUANT_THREADS % gpr == 0;
    const int r_tid = fast_pos ? tid / gpr : 0, c_tid = fast_pos ? (tid - r_tid * gpr) * 8 : 0;
    const int r_step = fast_pos ? QUANT_THREADS / gpr : 0;
    const bool fast = fast_pos && jb.vec;

    group8<WIDE> x[QUANT_GROUPS_PER_THREAD(MAXD)];
    float amax = 0.0f;
    int bad = 0;
    /* 16-bit inputs: the block maximum and the finiteness check run on the packed pairs, two elements an
     * instruction. The maximum of |x| is itself a 16-bit value, so it is the same number as the float
     * maximum; h * 0 + c stays 0 for finite h and becomes NaN at the first NaN or Inf (the maximum skips
     * NaN, the check does not). Per element this was an unpack, a max and three instructions of check. */
    __half2 amax_h = __float2half2_rn(0.0f), check_h = amax_h;
    __nv_bfloat162 amax_b = __float2bfloat162_rn(0.0f), check_b = amax_b;
    const bool half_in = !WIDE && jb.dtype == TA_F16, bf16_in = !WIDE && jb.dtype == TA_BF16;
    if (fast) {
        /* Every load first: the rows past N (a last, short block) read row rows_valid - 1 again and are zeroed
         * afterwards, so no load waits behind a branch. */
        const int64_t at = base + (int64_t)r_tid * jb.stride[2] + c_tid, step = (int64_t)r_step * jb.stride[2];
#pragma unroll
        for (int k = 0; k < QUANT_GROUPS_PER_THREAD(MAXD); k++) {
            const int r = r_tid + k * r_step;
            if (tid + k * QUANT_THREADS < n_groups) load_eight<WIDE>(jb.data, r < rows_valid ? at + k * step : base + (int64_t)(rows_valid - 1) * jb.stride[2] + c_tid, x[k]);
        }
#pragma unroll
        for (int k = 0; k < QUANT_GROUPS_PER_THREAD(MAXD); k++)
            if (r_tid + k * r_step >= rows_valid)
                for (int i = 0; i < (WIDE ? 8 : 4); i++) x[k].w[i] = 0u;
    }
#pragma unroll
    for (int k = 0; k < QUANT_GROUPS_PER_THREAD(MAXD); k++) {
        int g = tid + k * QUANT_THREADS;
        if (g >= n_groups) continue; /* head dims below 256 leave the last groups empty (never stored) */
        int e0 = g * 8;
        if (fast) {
        } else if (jb.vec) {
            int r = fast_pos ? r_tid + k * r_step : e0 / D, c = fast_pos ? c_tid : e0 % D;
            if (r < rows_valid) load_eight<WIDE>(jb.data, base + r * jb.stride[2] + c, x[k]);
            else
                for (int i = 0; i < (WIDE ? 8 : 4); i++) x[k].w[i] = 0u;
        } else {
            /* Any D and stride: element by element, a group may straddle two rows. */
            for (int i = 0; i < 8; i++) {
                int e = e0 + i, r = e / D, c = e % D;
                uint32_t bits = r < rows_valid ? load_bits(jb.data, WIDE, base + r * jb.stride[2] + c * jb.stride[3]) : 0u;
                if (WIDE) x[k].w[i] = bits;
                else if (i & 1) x[k].w[i >> 1] |= bits << 16;
                else x[k].w[i >> 1] = bits;
            }
        }
        if (half_in || bf16_in) {
            if (half_in) pairs_max_check(x[k].w, __float2half2_rn(0.0f), amax_h, check_h);
            else pairs_max_check(x[k].w, __float2bfloat162_rn(0.0f), amax_b, check_b);
            continue;
        }
        float v[8];
        unpack<WIDE>(x[k], jb.dtype, v);
#pragma unroll
        for (int i = 0; i < 8; i++) {
            amax = fmaxf(amax, fabsf(v[i]));
            bad |= !(v[i] - v[i] == 0.0f); /* NaN and +-Inf both give NaN here */
        }
    }
    if (half_in) {
        const float2 m = __half22float2(amax_h), c = __half22float2(check_h);
        amax = fmaxf(m.x, m.y);
        bad = !(c.x == 0.0f && c.y == 0.0f);
    } else if (bf16_in) {
        const float2 m = __bfloat1622float2(amax_b), c = __bfloat1622float2(check_b);
        amax = fmaxf(m.x, m.y);
        bad = !(c.x == 0.0f && c.y == 0.0f);
    }
    for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
    if ((tid & 31) == 0) warp_amax[tid >> 5] = amax;
    /* The block's NaN/Inf answer rides on the barrier that publishes the warps' maxima. */
    const int tile_bad = __syncthreads_or(bad);
    amax = warp_amax[0];
    for (int w = 1; w < QUANT_THREADS / 32; w++) amax = fmaxf(amax, warp_amax[w]);
    bool zero_block = !(amax >= FLT_MIN);
    float inv = zero_block ? 0.0f : (float)TA_INT8_MAX / amax;
    if (tid == 0) {
        jb.scales[bh * jb.n_blocks + blk] = zero_block ? 0.0f : amax / (float)TA_INT8_MAX;
        if (tile_bad || amax > TA_INPUT_ABS_MAX) { /* NaN/Inf, or beyond the input range (ta_consts.h) */
            *jb.bad = jb.epoch;
            if (jb.bad_host) *jb.bad_host = jb.epoch;
        }
    }

    int d_out = jb.d_out, vt_pitch = d_out + 4; /* +4 bytes: the transposing reads walk a column */
    uint8_t *stage = (uint8_t *)vt_stage;
    if (fast && jb.layout != LAYOUT_VT_TILES && d_out % 8 == 0) {
        /* Rows of codes from one address per thread: r_step is a multiple of 8 rows, so every group of the thread
         * has the same swizzled column (ta_k_chunk repeats every 8 rows). */
        int8_t *dst = jb.codes + (bh * jb.rows_out + row0 + r_tid) * d_out + code_col(jb, r_tid, c_tid);
        const int64_t dstep = (int64_t)r_step * d_out;
#pragma unroll
        for (int k = 0; k < QUANT_GROUPS_PER_THREAD(MAXD); k++) {
            if (tid + k * QUANT_THREADS >= n_groups || row0 + r_tid + k * r_step >= jb.rows_out) continue;
            float v[8];
            unpack<WIDE>(x[k], jb.dtype, v);
            uint32_t c8[8];
            codes_of(v, inv, half_in, c8);
            *(uint2 *)(dst + k * dstep) = make_uint2(pack4(c8), pack4(c8 + 4));
        }
    } else {
#pragma unroll
        for (int k = 0; k < QUANT_GROUPS_PER_THREAD(MAXD); k++) {
            int g = tid + k * QUANT_THREADS;
            if (g >= n_groups) continue;
            float v[8];
            unpack<WIDE>(x[k], jb.dtype, v);
            uint32_t c8[8];
            codes_of(v, inv, half_in, c8);
            int e0 = g * 8;
            if (jb.layout == LAYOUT_VT_TILES) {
                /* the VT layout is only used with D % 16 == 0 */
                int r = fast_pos ? r_tid + k * r_step : e0 / D, c = fast_pos ? c_tid : e0 % D;
                uint32_t *dst = (uint32_t *)(stage + r * vt_pitch + c); /* rows are 4-byte aligned only */
                dst[0] = pack4(c8);
                dst[1] = pack4(c8 + 4);
            } else if (D % 8 == 0 && d_out % 8 == 0) {
                int r = fast_pos ? r_tid + k * r_step : e0 / D, c = fast_pos ? c_tid : e0 % D;
                if (row0 + r < jb.rows_out)
                    *(uint2 *)(jb.codes + (bh * jb.rows_out + row0 + r) * d_out + code_col(jb, r, c)) =
                        make_uint2(pack4(c8), pack4(c8 + 4));
            } else {
                for (int i = 0; i < 8; i++) {
                    int e = e0 + i, r = e / D, c = e % D;
                    if (row0 + r < jb.rows_out) jb.codes[(bh * jb.rows_out + row0 + r) * d_out + code_col(jb, r, c)] = (int8_t)c8[i];
                }
            }
        }
    }
    /* Head-dim padding: zero codes, so padded channels add nothing to q.k and produce zero outputs. */
    if (d_out > D) {
        int pad = d_out - D;
        for (int e = tid; e < QUANT_ROWS * pad; e += QUANT_THREADS) {
            int r = e / pad, c = D + e % pad;
            if (jb.layout == LAYOUT_VT_TILES) stage[r * vt_pitch + c] = 0;
            else if (row0 + r < jb.rows_out) jb.codes[(bh * jb.rows_out + row0 + r) * d_out + code_col(jb, r, c)] = 0;
        }
    }
    if (jb.layout == LAYOUT_VT_TILES) {
        __syncthreads();
        /* Four consecutive threads write one channel's 64 keys: two full 32-byte sectors. */
        int8_t *tile = jb.codes + (bh * jb.n_blocks + blk) * (int64_t)d_out * QUANT_ROWS;
        for (int item = tid; item < d_out * 4; item += QUANT_THREADS) {
            int d = item >> 2, run = item & 3;
            uint32_t w[4];
#pragma unroll
            for (int q4 = 0; q4 < 4; q4++) {
                uint32_t word = 0;
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    int key = run * 16 + ta_vt_key_of_pos(q4 * 4 + i);
                    word |= (uint32_t)stage[key * vt_pitch + d] << (8 * i);
                }
                w[q4] = word;
            }
            *(uint4 *)(tile + d * QUANT_ROWS + ta_vt_chunk(d, run) * 16) = make_uint4(w[0], w[1], w[2], w[3]);
        }
    }
}

/* ---- host side ----------------------------------------------------------------------------------- */

static int itemsize_of(int dtype) { return dtype == TA_F32 ? 4 : 2; }

/* mul and shift of udiv for a divisor 1 <= d < 2^31 (the grid, and so every quotient, stays below 2^31). */
static void udiv_magic(uint32_t d, uint32_t *mul, int *shift)
{
    int l = 0;
    while ((1ull << l) < d) l++;
    *shift = 31 + l;
    *mul = (uint32_t)(((1ull << *shift) + d - 1) / d);
}

/* 16-byte loads need D % 8 == 0, unit stride along D, and every row start aligned (group size: 16 bytes
 * for 2-byte types, 32 bytes as two float4 for float32, which only needs 16-byte alignment). */
static int can_vectorise(const ta_view4 *x)
{
    int isz = itemsize_of(x->dtype);
    if (x->shape[3] % 8 != 0 || x->stride[3] != 1 || ((uintptr_t)x->data) % 16 != 0) return 0;
    for (int i = 0; i < 3; i++)
        if (x->shape[i] > 1 && (x->stride[i] * isz) % 16 != 0) return 0;
    return 1;
}

static void fill_job(quant_job *jb, const ta_view4 *x, int8_t *codes, float *scales, int *bad, int64_t rows_out,
                     int d_out, int layout, int64_t cta_begin)
{
    jb->data = x->data;
    for (int i = 0; i < 4; i++) jb->stride[i] = x->stride[i];
    jb->N = x->shape[2];
    jb->H = (int)x->shape[1];
    jb->D = (int)x->shape[3];
    jb->dtype = (int)x->dtype;
    jb->vec = can_vectorise(x);
    jb->codes = codes;
    jb->scales = scales;
    jb->bad = bad;
    jb->bad_host = NULL;
    jb->epoch = 1;
    jb->rows_out = rows_out;
    jb->d_out = d_out;
    jb->layout = layout;
    jb->n_blocks = (int)((x->shape[2] + QUANT_ROWS - 1) / QUANT_ROWS);
    jb->cta_end = cta_begin + x->shape[0] * x->shape[1] * jb->n_blocks;
    udiv_magic((uint32_t)(jb->n_blocks > 0 ? jb->n_blocks : 1), &jb->nb_mul, &jb->nb_shift);
    udiv_magic((uint32_t)(jb->H > 0 ? jb->H : 1), &jb->h_mul, &jb->h_shift);
}

static int launch_one(const quant_jobs *jobs)
{
    int64_t ctas = jobs->job[jobs->n_jobs - 1].cta_end;
    if (ctas <= 0) return TA_OK;
    if (ctas > 0x7fffffffLL) {
        ta_set_error("tensor too large for the CUDA quantizer (%lld blocks of 64 rows)", (long long)ctas);
        return TA_ERR_INVALID;
    }
    int narrow = 1; /* every job's head dim and code row fit the MAXD = 128 form */
    for (int i = 0; i < jobs->n_jobs; i++) narrow &= jobs->job[i].D <= 128 && jobs->job[i].d_out <= 128;
    const bool wide = jobs->job[0].dtype == TA_F32;
    if (wide && narrow) quantize_blocks_kernel<1, 128><<<(unsigned)ctas, QUANT_THREADS>>>(*jobs);
    else if (wide) quantize_blocks_kernel<1, 256><<<(unsigned)ctas, QUANT_THREADS>>>(*jobs);
    else if (narrow) quantize_blocks_kernel<0, 128><<<(unsigned)ctas, QUANT_THREADS>>>(*jobs);
    else quantize_blocks_kernel<0, 256><<<(unsigned)ctas, QUANT_THREADS>>>(*jobs);
    TA_CUDA_TRY(cudaGetLastError());
    return TA_OK;
}

/* One launch when every job has the same element width (the usual q, k, v), else one launch per job. */
static int launch_jobs(const quant_jobs *jobs)
{
    int same = 1;
    for (int i = 1; i < jobs->n_jobs; i++) same &= (jobs->job[i].dtype == TA_F32) == (jobs->job[0].dtype == TA_F32);
    if (same) return launch_one(jobs);
    for (int i = 0; i < jobs->n_jobs; i++) {
        quant_jobs single;
        single.n_jobs = 1;
        single.job[0] = jobs->job[i];
        int64_t first = i ? jobs->job[i - 1].cta_end : 0;
        single.job[0].cta_end -= first;
        int status = launch_one(&single);
        if (status != TA_OK) return status;
    }
    return TA_OK;
}

int ta_prefill_quantize_cuda(const ta_view4 *q, const ta_view4 *k, const ta_view4 *v, const ta_prefill_operands *dst)
{
    quant_jobs jobs;
    jobs.n_jobs = 3;
    fill_job(&jobs.job[0], q, dst->q_codes, dst->q_scale, dst->bad_input + 0, dst->nq_pad, dst->d_pad, LAYOUT_ROWS, 0);
    fill_job(&jobs.job[1], k, dst->k_codes, dst->k_scale, dst->bad_input + 1, dst->nk_pad, dst->d_pad,
             LAYOUT_K_TILES, jobs.job[0].cta_end);
    fill_job(&jobs.job[2], v, dst->vt_codes, dst->v_scale, dst->bad_input + 2, dst->nk_pad, dst->d_pad,
             LAYOUT_VT_TILES, jobs.job[1].cta_end);
    for (int i = 0; i < 3; i++) jobs.job[i].bad_host = dst->bad_host + i, jobs.job[i].epoch = dst->epoch;
    return launch_jobs(&jobs);
}

/* One device int per GPU for the public quantizer's NaN/Inf flag, allocated on first use. */
#define QUANT_MAX_DEVICES 64
static int *quant_flag[QUANT_MAX_DEVICES];
static pthread_mutex_t quant_flag_lock = PTHREAD_MUTEX_INITIALIZER;

static int flag_for_device(int device, int **flag)
{
    if (device < 0 || device >= QUANT_MAX_DEVICES) {
        ta_set_error("CUDA device %d is beyond the %d this build supports", device, QUANT_MAX_DEVICES);
        return TA_ERR_INVALID;
    }
    pthread_mutex_lock(&quant_flag_lock);
    cudaError_t err = cudaSuccess;
    if (!quant_flag[device]) err = cudaMalloc((void **)&quant_flag[device], sizeof(int));
    *flag = quant_flag[device];
    pthread_mutex_unlock(&quant_flag_lock);
    if (err != cudaSuccess) {
        ta_set_error("CUDA error allocating the NaN flag: %s", cudaGetErrorString(err));
        return err == cudaErrorMemoryAllocation ? TA_ERR_NOMEM : TA_ERR_CUDA;
    }
    return TA_OK;
}

int ta_quantize_int8_cuda(const ta_view4 *x, int block, int8_t *codes, float *scales)
{
    if (block != QUANT_ROWS) {
        ta_set_error("block must be %d on CUDA (got %d)", QUANT_ROWS, block);
        return TA_ERR_INVALID;
    }
    if (x->device != TA_CUDA) {
        ta_set_error("x must be a CUDA tensor for the CUDA quantizer");
        return TA_ERR_INVALID;
    }
    if (x->shape[3] > QUANT_MAX_D) {
        ta_set_error("x head dim must be at most %d on CUDA (got %lld)", QUANT_MAX_D, (long long)x->shape[3]);
        return TA_ERR_INVALID;
    }
    int previous = 0;
    ta_cuda_clear_stale_error();
    TA_CUDA_TRY(cudaGetDevice(&previous));
    TA_CUDA_TRY(cudaSetDevice(x->device_id));
    int *flag = NULL, status = flag_for_device(x->device_id, &flag), bad = 0;
    /* The flag is shared by every caller on this device: hold it from clearing to reading back, so a
     * concurrent call's NaN is never reported as ours (or ours missed). */
    if (status == TA_OK) pthread_mutex_lock(&quant_flag_lock);
    if (status == TA_OK) {
        quant_jobs jobs;
        jobs.n_jobs = 1;
        fill_job(&jobs.job[0], x, codes, scales, flag, x->shape[2], (int)x->shape[3], LAYOUT_ROWS, 0);
        cudaError_t err = cudaMemsetAsync(flag, 0, sizeof(int), 0);
        if (err != cudaSuccess) {
            ta_set_error("CUDA error clearing the NaN flag: %s", cudaGetErrorString(err));
            status = TA_ERR_CUDA;
        }
        if (status == TA_OK) status = launch_jobs(&jobs);
        if (status == TA_OK) {
            err = cudaMemcpy(&bad, flag, sizeof(int), cudaMemcpyDeviceToHost); /* waits for the kernel */
            if (err != cudaSuccess) {
                ta_set_error("CUDA error in the quantization kernel: %s", cudaGetErrorString(err));
                status = TA_ERR_CUDA;
            } else if (bad) {
                ta_set_error("x contains NaN, Inf or values beyond 2^48; " TA_INPUT_RANGE_TEXT);
                status = TA_ERR_INVALID;
            }
        }
        pthread_mutex_unlock(&quant_flag_lock);
    }
    cudaSetDevice(previous);
    return status;
}
