/* SPEC section 4 on the GPU: one CTA compresses one (block, head, batch) of the KV cache, with exactly
 * the CPU's arithmetic (quant.c), so the cache's arrays are byte-identical to the CPU QuantizedKV's:
 *   stage 1: amax over the 64 x D tile, inv = 127 / amax once, code = nearbyint(x * inv) clamped to
 *            +-127, scale = amax / 127, a tile whose amax is below FLT_MIN is all zero;
 *   stage 2: integer lo/hi per group, step = max(1, ceil((hi - lo) / L)), zero = lo,
 *            u = min(L, (x - lo + step / 2) / step), packed little-end first.
 * Keys group per channel over the block's 64 tokens, values per token in runs of 64 channels; stage 2 gives each
 * group 1-4 adjacent threads (kvc_parts). The stage-1 codes sit in shared memory between the two stages; K is
 * finished before V reuses the buffer. Compression runs once per 64 appended tokens, and once over a whole prefill
 * when a cache is built, so 16-bit rows take 16-byte loads (kvc_stage1_rows16) and stage 2 divides by multiplying
 * (kvc_step_mul). */
#include "kv_compress.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <float.h>
#include <pthread.h>

#include "cuda_common.cuh"
#include "ta_consts.h"

#define KVC_THREADS 256
#define KVC_BLOCK 64
#define KVC_MAX_D 256

typedef struct {
    const void *data;
    int dtype;
    int rows16; /* 16-bit values, rows of D unit-stride values starting on 16-byte boundaries (kvc_stage1_rows16) */
    int64_t stride[4];
} kvc_source;

typedef struct {
    kvc_source k, v;
    int64_t blk0, row0, KB, VB;
    int B, H, D, G;
    const uint8_t *bits;
    const int64_t *k_head_off, *v_head_off;
    uint8_t *k_codes, *k_group_step, *v_codes, *v_group_step;
    int8_t *k_group_zero, *v_group_zero;
    float *k_block_scale, *v_block_scale;
} kvc_args;

__device__ __forceinline__ float kvc_load(const void *data, int dtype, int64_t off)
{
    if (dtype == TA_F16) return __half2float(((const __half *)data)[off]);
    if (dtype == TA_BF16) return __bfloat162float(((const __nv_bfloat16 *)data)[off]);
    return ((const float *)data)[off];
}

__device__ __forceinline__ float2 kvc_pair_to_float2(__half2 x) { return __half22float2(x); }
__device__ __forceinline__ float2 kvc_pair_to_float2(__nv_bfloat162 x) { return __bfloat1622float2(x); }

/* Stage 1 of rows [n0, n0 + 64) of (b, h): codes [64][D] into shared memory, returns the block scale
 * (every thread gets it). */
__device__ float kvc_stage1(const kvc_source *x, int64_t b, int64_t h, int64_t n0, int D, int8_t *codes)
{
    __shared__ float warp_amax[KVC_THREADS / 32];
    int tid = threadIdx.x, n = KVC_BLOCK * D;
    int64_t base = b * x->stride[0] + h * x->stride[1] + n0 * x->stride[2];
    float amax = 0.0f;
    for (int e = tid; e < n; e += KVC_THREADS) {
        int r = e / D, d = e - r * D;
        amax = fmaxf(amax, fabsf(kvc_load(x->data, x->dtype, base + r * x->stride[2] + d * x->stride[3])));
    }
    for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
    if ((tid & 31) == 0) warp_amax[tid >> 5] = amax;
    __syncthreads();
    amax = warp_amax[0];
    for (int w = 1; w < KVC_THREADS / 32; w++) amax = fmaxf(amax, warp_amax[w]);
    const bool zero_block = ta_s1_zero(amax); /* all codes 0: no loads */
    const float inv = ta_s1_inv(amax);
    for (int e = tid; e < n; e += KVC_THREADS) {
        int r = e / D, d = e - r * D;
        int c = 0;
        if (!zero_block) c = ta_s1_code(kvc_load(x->data, x->dtype, base + r * x->stride[2] + d * x->stride[3]), inv);
        codes[e] = (int8_t)c;
    }
    __syncthreads();
    return ta_s1_scale(amax);
}

/* Stage 1 with 16-byte loads for kvc_source.rows16: a thread loads all its pieces of the 64 x D tile first, takes
 * the maximum of their packed pairs (the maximum of |x| is itself a 16-bit value, the same number as the float
 * maximum, as in quant.cu), and writes the codes to shared memory eight at a time, with kvc_stage1's float
 * operations. The element loop read every value twice at about 30 instructions each: with the divisions of stage
 * 2, a 32k x 8-head compression ran at a tenth of the bandwidth (NOTES-decode, session 20). Inputs are finite
 * (take_tokens checks them first). */
template <typename T2>
__device__ float kvc_stage1_rows16(const kvc_source *x, int64_t b, int64_t h, int64_t n0, int D, int8_t *codes)
{
    __shared__ float warp_amax[KVC_THREADS / 32];
    constexpr int MAXP = KVC_BLOCK * KVC_MAX_D / 8 / KVC_THREADS;
    const int tid = threadIdx.x, cpr = D / 8, pieces = KVC_BLOCK * cpr;
    const char *base = (const char *)x->data + (b * x->stride[0] + h * x->stride[1] + n0 * x->stride[2]) * 2;
    uint4 v[MAXP];
#pragma unroll
    for (int k = 0; k < MAXP; k++) {
        const int p = tid + k * KVC_THREADS, r = p / cpr, c = p - r * cpr;
        if (p < pieces) v[k] = __ldg((const uint4 *)(base + (r * x->stride[2] + c * 8) * 2));
    }
    T2 m2;
    *(uint32_t *)&m2 = 0u;
#pragma unroll
    for (int k = 0; k < MAXP; k++)
        if (tid + k * KVC_THREADS < pieces) {
            const uint32_t w[4] = {v[k].x, v[k].y, v[k].z, v[k].w};
#pragma unroll
            for (int i = 0; i < 4; i++) m2 = __hmax2(m2, __habs2(*(const T2 *)&w[i]));
        }
    const float2 mf = kvc_pair_to_float2(m2);
    float amax = fmaxf(mf.x, mf.y);
    for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
    if ((tid & 31) == 0) warp_amax[tid >> 5] = amax;
    __syncthreads();
    amax = warp_amax[0];
    for (int w = 1; w < KVC_THREADS / 32; w++) amax = fmaxf(amax, warp_amax[w]);
    const float inv = ta_s1_inv(amax); /* 0 for a zero block: every code 0 */
#pragma unroll
    for (int k = 0; k < MAXP; k++) {
        const int p = tid + k * KVC_THREADS, r = p / cpr, c = p - r * cpr;
        if (p >= pieces) continue;
        const uint32_t w[4] = {v[k].x, v[k].y, v[k].z, v[k].w};
        uint32_t out[2] = {0u, 0u};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const float2 f = kvc_pair_to_float2(*(const T2 *)&w[i]);
            const uint32_t pair = ((uint32_t)ta_s1_code(f.x, inv) & 0xFFu) | ((uint32_t)ta_s1_code(f.y, inv) & 0xFFu) << 8;
            out[i >> 1] |= pair << (16 * (i & 1));
        }
        *(uint2 *)(codes + r * D + c * 8) = make_uint2(out[0], out[1]);
    }
    __syncthreads();
    return ta_s1_scale(amax);
}

__device__ float kvc_stage1_any(const kvc_source *x, int64_t b, int64_t h, int64_t n0, int D, int8_t *codes)
{
    if (x->rows16 && x->dtype == TA_F16) return kvc_stage1_rows16<__half2>(x, b, h, n0, D, codes);
    if (x->rows16) return kvc_stage1_rows16<__nv_bfloat162>(x, b, h, n0, D, codes);
    return kvc_stage1(x, b, h, n0, D, codes);
}

/* Integer step and zero of one group, as compress_group in quant.c. */
__device__ __forceinline__ void kvc_group_params(int lo, int hi, int bits, int *step)
{
    int L = (1 << bits) - 1;
    int s = (hi - lo + L - 1) / L;
    *step = s < 1 ? 1 : s;
}

/* (x - lo + s / 2) / s as (n * m) >> 17 with m = kvc_step_mul(s), exact for numerators n <= 515 and steps
 * 1 <= s <= 255: with m = (2^17 + e) / s, 0 <= e < s, the excess n e / (s 2^17) stays below 1 / s while
 * n e < 2^17 (checked over every n and s). Here n <= 381 (x - lo <= 254, s / 2 <= 127). One division per group
 * instead of one per code. */
/* Threads per group in stage 2: n = the threads a group could have (256 / groups), as a power of two up to 4. */
__device__ __forceinline__ int kvc_parts(int n) { return n >= 4 ? 4 : n >= 2 ? 2 : 1; }

__device__ __forceinline__ uint32_t kvc_step_mul(int s) { return (131072u + (uint32_t)s - 1u) / (uint32_t)s; }

__device__ __forceinline__ uint32_t kvc_code(int x, int lo, int s, uint32_t m, int L)
{
    const uint32_t u = ((uint32_t)(x - lo + s / 2) * m) >> 17; /* numerator >= 0: rounds half up */
    return u > (uint32_t)L ? (uint32_t)L : u;
}

/* 3 CTAs an SM: ptxas then keeps the stage-2 loops without spills (79 registers; it had chosen 64 and spilled). */
__global__ void __launch_bounds__(KVC_THREADS, 3) kv_compress_kernel(const kvc_args a)
{
    __shared__ __align__(16) int8_t codes[KVC_BLOCK * KVC_MAX_D]; /* 8-byte stores in kvc_stage1_rows16 */
    int tid = threadIdx.x, D = a.D;
    int b = blockIdx.x % a.B, h = (blockIdx.x / a.B) % a.H;
    int64_t i = blockIdx.x / ((int64_t)a.B * a.H), j = a.blk0 + i;
    int64_t n0 = a.row0 + i * KVC_BLOCK;
    int bits = a.bits[h], L = (1 << bits) - 1;
    int64_t group_row = ((int64_t)j * a.H + h) * a.B + b; /* index of (j, h, b) in [cap, H, B] arrays */

    /* Keys: PK adjacent threads per channel (kvc_parts), each over 64 / PK of its tokens; the channel's lo and hi by
     * shuffles, then each part packs its own words of the channel's 64 * bits / 32. One thread per channel left half
     * the CTA idle at D = 128 and ran 64 codes a thread in one chain. */
    float k_scale = kvc_stage1_any(&a.k, b, h, n0, D, codes);
    if (tid == 0) a.k_block_scale[group_row] = k_scale;
    int channel_bytes = KVC_BLOCK * bits / 8;
    uint8_t *kdst = a.k_codes + j * a.KB + a.k_head_off[h] + (int64_t)b * D * channel_bytes;
    const int PK = kvc_parts(KVC_THREADS / D), per_word = 32 / bits, kw = channel_bytes / 4 / PK, kt = KVC_BLOCK / PK;
    for (int q0 = 0; q0 < D * PK; q0 += KVC_THREADS) { /* every thread runs every round: the shuffles */
        const int q = q0 + tid, c = q / PK, part = q - c * PK;
        const bool live = q < D * PK; /* whole channels: D * PK is a multiple of PK */
        int lo = TA_INT8_MAX, hi = -TA_INT8_MAX;
        if (live)
            for (int t = part * kt; t < part * kt + kt; t++) {
                int x = codes[t * D + c];
                lo = min(lo, x), hi = max(hi, x);
            }
        for (int o = 1; o < PK; o <<= 1)
            lo = min(lo, __shfl_xor_sync(0xffffffffu, lo, o)), hi = max(hi, __shfl_xor_sync(0xffffffffu, hi, o));
        if (!live) continue;
        int s;
        kvc_group_params(lo, hi, bits, &s);
        const uint32_t m = kvc_step_mul(s);
        /* the channel's row: whole at 8 bits, else its bytes pitch apart (ta_kv_key_row: channel quads interleaved) */
        uint8_t *dst = kdst + ta_kv_key_row(D, channel_bytes, bits, c);
        const int pitch = ta_kv_key_pitch(D, bits, c);
        for (int w = part * kw; w < part * kw + kw; w++) {
            uint32_t word = 0;
            for (int e = 0; e < per_word; e++)
                word |= kvc_code(codes[(w * per_word + e) * D + c], lo, s, m, L) << (e * bits);
            if (pitch == 1) {
                *(uint32_t *)(dst + 4 * w) = word;
                continue;
            }
            for (int k = 0; k < 4; k++) dst[(4 * w + k) * pitch] = (uint8_t)(word >> (8 * k));
        }
        if (part == 0) {
            a.k_group_step[group_row * D + c] = (uint8_t)s;
            a.k_group_zero[group_row * D + c] = (int8_t)lo;
        }
    }
    __syncthreads(); /* V's stage 1 overwrites the codes */

    /* Values: PV adjacent threads per (token, run of 64 channels), each over len / PV of the run's channels (a
     * multiple of 4 when D is a multiple of 16, so every part starts on a whole byte); earlier runs are whole, so
     * run g starts at byte 64 * g * bits / 8 of the token's row. */
    float v_scale = kvc_stage1_any(&a.v, b, h, n0, D, codes);
    if (tid == 0) a.v_block_scale[group_row] = v_scale;
    int64_t vrow = 0;
    for (int g = 0; g < a.G; g++) vrow += ((D - g * TA_KV_GROUP < TA_KV_GROUP ? D - g * TA_KV_GROUP : TA_KV_GROUP) * bits + 7) / 8;
    uint8_t *vdst = a.v_codes + j * a.VB + a.v_head_off[h] + (int64_t)b * KVC_BLOCK * vrow; /* the block's rows */
    const int per_byte = 8 / bits, items = KVC_BLOCK * a.G, vpitch = ta_kv_value_pitch(bits);
    const int PV = D % 16 == 0 ? kvc_parts(KVC_THREADS / items) : 1;
    for (int q0 = 0; q0 < items * PV; q0 += KVC_THREADS) {
        const int q = q0 + tid, idx = q / PV, part = q - idx * PV;
        const bool live = q < items * PV;
        const int t = idx / a.G, g = idx - t * a.G;
        const int c0 = g * TA_KV_GROUP, len = D - c0 < TA_KV_GROUP ? D - c0 : TA_KV_GROUP, cl = len / PV, e0 = part * cl;
        const int8_t *row = codes + t * D + c0;
        int lo = TA_INT8_MAX, hi = -TA_INT8_MAX;
        if (live)
            for (int e = e0; e < e0 + cl; e++) lo = min(lo, (int)row[e]), hi = max(hi, (int)row[e]);
        for (int o = 1; o < PV; o <<= 1)
            lo = min(lo, __shfl_xor_sync(0xffffffffu, lo, o)), hi = max(hi, __shfl_xor_sync(0xffffffffu, hi, o));
        if (!live) continue;
        int s;
        kvc_group_params(lo, hi, bits, &s);
        const uint32_t m = kvc_step_mul(s);
        const int b0 = e0 * bits / 8, byte_end = PV == 1 ? (len * bits + 7) / 8 : (e0 + cl) * bits / 8;
        /* byte c0 bits / 8 + b0 of token t's row and the next ones, vpitch apart (ta_kv_value_row: row quads interleaved) */
        uint8_t *dst = vdst + ta_kv_value_row(vrow, bits, t) + (int64_t)(c0 * bits / 8 + b0) * vpitch;
        for (int byte = b0; byte < byte_end; byte++, dst += vpitch) {
            uint32_t packed = 0;
            for (int e = 0; e < per_byte && byte * per_byte + e < len; e++)
                packed |= kvc_code(row[byte * per_byte + e], lo, s, m, L) << (e * bits);
            *dst = (uint8_t)packed;
        }
        if (part == 0) {
            const int64_t at = (group_row * KVC_BLOCK + t) * a.G + g;
            a.v_group_step[at] = (uint8_t)s;
            a.v_group_zero[at] = (int8_t)lo;
        }
    }
}

static kvc_source kvc_source_of(const ta_view4 *x)
{
    kvc_source s;
    s.data = x->data;
    s.dtype = (int)x->dtype;
    for (int i = 0; i < 4; i++) s.stride[i] = x->stride[i];
    s.rows16 = x->dtype != TA_F32 && x->shape[3] % 8 == 0 && x->stride[3] == 1 && (uintptr_t)x->data % 16 == 0;
    for (int i = 0; i < 3; i++) s.rows16 &= (x->stride[i] * 2) % 16 == 0;
    return s;
}

extern "C" int ta_kv_compress_cuda(ta_kv *kv, const ta_view4 *k, const ta_view4 *v, int64_t blk0, int64_t nblk,
                                   int64_t row0)
{
    if (kv->block != KVC_BLOCK || kv->D <= 0 || kv->D > KVC_MAX_D || kv->B <= 0 || kv->H <= 0 ||
        kv->G != (kv->D + TA_KV_GROUP - 1) / TA_KV_GROUP) {
        ta_set_error("the CUDA cache needs block = 64 and 0 < D <= 256 (got block=%d, D=%d, G=%d)", kv->block, kv->D,
                     kv->G);
        return TA_ERR_INVALID;
    }
    int st = ta_kv_check_compress_args(kv, k, v, blk0, nblk, row0, TA_CUDA);
    if (st != TA_OK) return st;
    if (nblk == 0) return TA_OK;
    kvc_args a;
    a.k = kvc_source_of(k);
    a.v = kvc_source_of(v);
    a.blk0 = blk0, a.row0 = row0, a.KB = kv->KB, a.VB = kv->VB;
    a.B = kv->B, a.H = kv->H, a.D = kv->D, a.G = kv->G;
    a.bits = kv->bits, a.k_head_off = kv->k_head_off, a.v_head_off = kv->v_head_off;
    a.k_codes = kv->k_codes, a.k_group_step = kv->k_group_step, a.k_group_zero = kv->k_group_zero;
    a.k_block_scale = kv->k_block_scale;
    a.v_codes = kv->v_codes, a.v_group_step = kv->v_group_step, a.v_group_zero = kv->v_group_zero;
    a.v_block_scale = kv->v_block_scale;
    int64_t ctas = nblk * kv->H * kv->B;
    if (ctas > 0x7fffffffLL) {
        ta_set_error("too many blocks to compress in one call (%lld CTAs)", (long long)ctas);
        return TA_ERR_INVALID;
    }
    int prev = 0, dev = kv->residual_k.device_id;
    st = ta_device_enter(dev, &prev);
    if (st != TA_OK) return st;
    kv_compress_kernel<<<(unsigned)ctas, KVC_THREADS>>>(a);
    cudaError_t err = cudaGetLastError();
    ta_device_leave(dev, prev);
    TA_CUDA_TRY(err);
    return TA_OK;
}

/* ---- small device helpers of the CUDA cache ---------------------------------------------------------- */

__device__ __forceinline__ void kvc_index(const ta_view4 &x, int64_t e, int64_t rows, int64_t *b, int64_t *h,
                                          int64_t *r, int64_t *d)
{
    int64_t D = x.shape[3];
    *d = e % D;
    e /= D;
    *r = e % rows;
    e /= rows;
    *h = e % x.shape[1];
    *b = e / x.shape[1];
}

__global__ void finite_kernel(const ta_view4 x, int64_t n, int *bad)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
        int64_t b, h, r, d;
        kvc_index(x, e, x.shape[2], &b, &h, &r, &d);
        float v = kvc_load(x.data, (int)x.dtype, b * x.stride[0] + h * x.stride[1] + r * x.stride[2] + d * x.stride[3]);
        if (!(fabsf(v) <= TA_INPUT_ABS_MAX)) *bad = 1; /* NaN, Inf, or beyond the input range (ta_consts.h) */
    }
}

static pthread_mutex_t kvc_flag_lock = PTHREAD_MUTEX_INITIALIZER;
static int *kvc_flag[TA_MAX_DEVICES]; /* one device int per GPU, reused under the lock */

static unsigned kvc_grid(int64_t n, int threads)
{
    int64_t g = (n + threads - 1) / threads;
    return (unsigned)(g > 4096 ? 4096 : (g < 1 ? 1 : g));
}

/* One flag per array, one launch each and a single read-back: append() checks k and v with one
 * synchronisation instead of two. */
extern "C" int ta_check_finite_cuda(const ta_view4 *const *x, const char *const *names, int count)
{
    if (count < 1 || count > TA_FINITE_MAX) {
        ta_set_error("ta_check_finite_cuda takes 1 to %d arrays (got %d)", TA_FINITE_MAX, count);
        return TA_ERR_INVALID;
    }
    for (int i = 1; i < count; i++)
        if (x[i]->device_id != x[0]->device_id) {
            ta_set_error("%s must be on the device of %s (cuda:%d, got cuda:%d)", names[i], names[0],
                         x[0]->device_id, x[i]->device_id);
            return TA_ERR_INVALID;
        }
    int bad[TA_FINITE_MAX] = {0}, prev = 0, dev = x[0]->device_id, st = ta_device_enter(dev, &prev);
    if (st != TA_OK) return st;
    pthread_mutex_lock(&kvc_flag_lock);
    cudaError_t err = kvc_flag[dev] ? cudaSuccess : cudaMalloc((void **)&kvc_flag[dev], TA_FINITE_MAX * sizeof(int));
    if (err == cudaSuccess) err = cudaMemsetAsync(kvc_flag[dev], 0, count * sizeof(int), cudaStreamLegacy);
    for (int i = 0; i < count && err == cudaSuccess; i++) {
        int64_t n = x[i]->shape[0] * x[i]->shape[1] * x[i]->shape[2] * x[i]->shape[3];
        if (n == 0) continue;
        finite_kernel<<<kvc_grid(n, 256), 256>>>(*x[i], n, kvc_flag[dev] + i);
        err = cudaGetLastError();
    }
    if (err == cudaSuccess) err = cudaMemcpy(bad, kvc_flag[dev], count * sizeof(int), cudaMemcpyDeviceToHost);
    pthread_mutex_unlock(&kvc_flag_lock);
    ta_device_leave(dev, prev);
    if (err != cudaSuccess) {
        ta_set_error("CUDA error while checking %s for NaN/Inf: %s", names[0], cudaGetErrorString(err));
        return TA_ERR_CUDA;
    }
    for (int i = 0; i < count; i++)
        if (bad[i]) {
            ta_set_error("%s contains NaN, Inf or values beyond 2^48; " TA_INPUT_RANGE_TEXT, names[i]);
            return TA_ERR_INVALID;
        }
    return TA_OK;
}

__global__ void copy_rows_kernel(const ta_view4 dst, int64_t dst_row0, const ta_view4 src, int64_t src_row0,
                                 int64_t rows, int64_t n, int itemsize)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
        int64_t b, h, r, d;
        kvc_index(src, e, rows, &b, &h, &r, &d);
        int64_t so = b * src.stride[0] + h * src.stride[1] + (src_row0 + r) * src.stride[2] + d * src.stride[3];
        int64_t dof = b * dst.stride[0] + h * dst.stride[1] + (dst_row0 + r) * dst.stride[2] + d * dst.stride[3];
        if (itemsize == 4) ((float *)dst.data)[dof] = ((const float *)src.data)[so];
        else ((uint16_t *)dst.data)[dof] = ((const uint16_t *)src.data)[so];
    }
}

extern "C" int ta_copy_rows_cuda(const ta_view4 *dst, int64_t dst_row0, const ta_view4 *src, int64_t src_row0,
                                 int64_t rows)
{
    if (dst->dtype != src->dtype || dst->shape[0] != src->shape[0] || dst->shape[1] != src->shape[1] ||
        dst->shape[3] != src->shape[3] || dst_row0 < 0 || src_row0 < 0 || rows < 0 ||
        dst_row0 + rows > dst->shape[2] || src_row0 + rows > src->shape[2] || dst->device_id != src->device_id) {
        ta_set_error("copy_rows: mismatched views or rows out of range");
        return TA_ERR_INVALID;
    }
    int64_t n = src->shape[0] * src->shape[1] * rows * src->shape[3];
    if (n == 0) return TA_OK;
    int prev = 0, st = ta_device_enter(dst->device_id, &prev);
    if (st != TA_OK) return st;
    copy_rows_kernel<<<kvc_grid(n, 256), 256>>>(*dst, dst_row0, *src, src_row0, rows, n, ta_dtype_size(src->dtype));
    cudaError_t err = cudaGetLastError();
    ta_device_leave(dst->device_id, prev);
    TA_CUDA_TRY(err);
    return TA_OK;
}

/* ---- append()'s tokens: checked and copied by one kernel, answered through mapped host memory ----------
 * The old path was a memset, a check kernel per array, a blocking copy of the flags and then a copy kernel per
 * array: about 0.05 ms a token, half a decode step (NOTES-decode, session 19). Here one kernel checks every value
 * of k_new and v_new and copies their first `fill` rows into the residual window; its last CTA writes which
 * arrays held NaN or Inf, then the call's number, to mapped host words, and the host spins on those. The rows
 * it copies lie past the cache's n_residual, so when the host raises, the cache it leaves is unchanged. */

/* Whether a 16-byte piece holds a NaN, an Inf or (float32, bfloat16) a value beyond the input range: magnitude bits
 * above those of 2^48 (ta_consts.h), or, for float16, every exponent bit set. */
__device__ __forceinline__ bool kvc_piece_bad(uint4 p, int dtype)
{
    const uint32_t w[4] = {p.x, p.y, p.z, p.w};
    bool bad = false;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (dtype == TA_F32) bad |= (w[i] & 0x7FFFFFFFu) > TA_INPUT_ABS_MAX_F32_BITS;
        else if (dtype == TA_F16) bad |= (w[i] & 0x7C00u) == 0x7C00u || (w[i] & 0x7C000000u) == 0x7C000000u;
        else bad |= (w[i] & 0x7FFFu) > TA_INPUT_ABS_MAX_BF16_BITS || ((w[i] >> 16) & 0x7FFFu) > TA_INPUT_ABS_MAX_BF16_BITS;
    }
    return bad;
}

/* The rows of take_tokens in 16-byte pieces (kvc_rows16_pieces: rows of D unit-stride values, `cpr` whole pieces a
 * row, every row 16-byte aligned, in the arrays and in the residual windows). grid.y is (array, b, h); each CTA round
 * covers 256 / cpr rows of that head, a thread a fixed piece of one of them, and grid.x strides over the head's N
 * rows. One piece is 8 or 4 values against one value a thread per loop before, whose (b, h, r, d) took three 64-bit
 * divisions: 0.49 ms for a 32k x 8-head compression's check, 10 % of the bandwidth (NOTES-decode, session 20). Until
 * session 43 cpr had to be a power of two (a piece's row by a shift): at D = 80 and 96 the check took the element
 * loop, 0.30-0.36 ms of a 0.59-0.66 ms compression against 0.05 at D = 128. */
__device__ __forceinline__ unsigned kvc_take_rows16(const ta_view4 k, const ta_view4 v, const ta_view4 rk,
                                                    const ta_view4 rv, int64_t row0, int64_t fill, int cpr)
{
    const int H = (int)k.shape[1], which = blockIdx.y % 2, bh = blockIdx.y / 2, b = bh / H, h = bh - b * H;
    /* Copies, not references: a reference chosen at run time between two parameters made ptxas copy all four
     * views to a 352-byte stack frame in every thread. */
    const ta_view4 x = which ? v : k, dst = which ? rv : rk;
    const int size = x.dtype == TA_F32 ? 4 : 2; /* rk and rv have their arrays' dtype */
    const int rpc = blockDim.x / cpr, rr = threadIdx.x / cpr; /* rows a round; this thread's row of it */
    const int64_t c = (int64_t)(threadIdx.x - rr * cpr) * (16 / size); /* its piece's first value */
    const char *src = (const char *)x.data + (b * x.stride[0] + h * x.stride[1]) * size;
    bool bad = false;
    for (int64_t r = (int64_t)blockIdx.x * rpc + rr; rr < rpc && r < x.shape[2]; r += (int64_t)gridDim.x * rpc) {
        const uint4 piece = __ldg((const uint4 *)(src + (r * x.stride[2] + c) * size));
        bad |= kvc_piece_bad(piece, (int)x.dtype);
        if (r < fill)
            *(uint4 *)((char *)dst.data + (b * dst.stride[0] + h * dst.stride[1] + (row0 + r) * dst.stride[2] + c) * size) =
                piece;
    }
    return bad ? (which ? 2u : 1u) : 0u;
}

/* refuse: NULL, or a word that a later kernel of the stream reads before it writes (the decode call's q_bad, for
 * ta_take_tokens_begin); it becomes refuse_value when k or v is not finite. */
__global__ void take_tokens_kernel(const ta_view4 k, const ta_view4 v, const ta_view4 rk, const ta_view4 rv,
                                   int64_t row0, int64_t fill, int64_t n, int itemsize, int cpr, unsigned *counters,
                                   unsigned *host, unsigned call, unsigned *refuse, unsigned refuse_value)
{
    /* In a decode step this kernel may be a programmatic dependent launch behind the kernel before it (the previous
     * call's combine, or the projection that wrote k and v): it waits for that grid, then lets the step's decode
     * kernels start beside it (they read the new rows from k and v). In that order, none of the step's kernels
     * starts before the kernels of the previous call, whose scratch and counters they share, have finished. */
    ta_pdl_wait();
    ta_pdl_trigger();
    unsigned bad = 0;
    if (cpr > 0) bad = kvc_take_rows16(k, v, rk, rv, row0, fill, cpr);
    else
        for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < 2 * n; e += (int64_t)gridDim.x * blockDim.x) {
            const bool second = e >= n;
            const ta_view4 x = second ? v : k, dst = second ? rv : rk;
            int64_t b, h, r, d;
            kvc_index(x, second ? e - n : e, x.shape[2], &b, &h, &r, &d);
            const int64_t so = b * x.stride[0] + h * x.stride[1] + r * x.stride[2] + d * x.stride[3];
            if (!(fabsf(kvc_load(x.data, (int)x.dtype, so)) <= TA_INPUT_ABS_MAX)) bad |= second ? 2u : 1u;
            if (r < fill) {
                const int64_t dof = b * dst.stride[0] + h * dst.stride[1] + (row0 + r) * dst.stride[2] + d * dst.stride[3];
                if (itemsize == 4) ((float *)dst.data)[dof] = ((const float *)x.data)[so];
                else ((uint16_t *)dst.data)[dof] = ((const uint16_t *)x.data)[so];
            }
        }
    bad = __reduce_or_sync(0xffffffffu, bad);
    if ((threadIdx.x & 31) == 0 && bad) {
        atomicOr(counters + 1, bad);
        __threadfence(); /* the mark is done before this CTA counts itself below */
    }
    __syncthreads();
    if (threadIdx.x != 0) return;
    __threadfence();
    if (atomicAdd(counters, 1u) != gridDim.x * gridDim.y - 1) return;
    /* the last CTA: every other CTA's marks are visible; reset the words for the next call, then answer */
    __threadfence();
    const unsigned all = atomicExch(counters + 1, 0u);
    atomicExch(counters, 0u);
    if (all && refuse) *(volatile unsigned *)refuse = refuse_value; /* before the kernel ends: the next one reads it */
    *(volatile unsigned *)(host + 1) = all;
    __threadfence_system();
    *(volatile unsigned *)host = call;
}

/* What take_tokens keeps per GPU, made on first use under kvc_flag_lock. */
typedef struct {
    unsigned *counters;          /* device: [0] CTAs done, [1] the OR of the arrays' bad bits */
    unsigned *host, *host_dev;   /* mapped host memory: [0] the number of the last call answered, [1] its bad bits */
    cudaEvent_t done;            /* recorded after the kernel: the way out of the spin if the kernel fails */
    unsigned call;
} kvc_take_state;
static kvc_take_state kvc_take[TA_MAX_DEVICES];

static cudaError_t kvc_take_prepare(kvc_take_state *ts)
{
    cudaError_t err = cudaSuccess;
    if (!ts->counters && (err = cudaMalloc((void **)&ts->counters, 2 * sizeof(unsigned))) == cudaSuccess)
        err = cudaMemset(ts->counters, 0, 2 * sizeof(unsigned));
    if (err == cudaSuccess && !ts->host && (err = cudaHostAlloc((void **)&ts->host, 2 * sizeof(unsigned),
                                                                 cudaHostAllocMapped)) == cudaSuccess)
        ts->host[0] = ts->host[1] = 0;
    if (err == cudaSuccess && !ts->host_dev) err = cudaHostGetDevicePointer((void **)&ts->host_dev, ts->host, 0);
    if (err == cudaSuccess && !ts->done) err = cudaEventCreateWithFlags(&ts->done, cudaEventDisableTiming);
    return err;
}

/* The 16-byte pieces per row when kvc_take_rows16 can run on these views (NULL: no residual rows to copy), else 0:
 * unit stride along D, rows of whole pieces (at most 256, a CTA's threads), every row start 16-byte aligned, and
 * 2 * B * H heads within grid.y. */
static int kvc_rows16_pieces(const ta_view4 *k, const ta_view4 *v, const ta_view4 *rk, const ta_view4 *rv)
{
    const ta_view4 *all[4] = {k, v, rk, rv};
    const int64_t bytes = k->shape[3] * ta_dtype_size(k->dtype);
    if (bytes % 16 != 0 || bytes / 16 > 256 || 2 * k->shape[0] * k->shape[1] > 65535) return 0;
    for (int i = 0; i < 4; i++) {
        const ta_view4 *x = all[i];
        if (!x) continue;
        const int size = ta_dtype_size(x->dtype);
        if (x->stride[3] != 1 || (uintptr_t)x->data % 16 != 0) return 0;
        for (int j = 0; j < 3; j++)
            if ((x->stride[j] * size) % 16 != 0) return 0;
    }
    return (int)(bytes / 16);
}

/* The launch half of take_tokens. On success it holds kvc_flag_lock (the mapped words answer one call at a time)
 * until ta_take_tokens_end; on failure it has let go. The caller has entered the device. */
extern "C" int ta_take_tokens_begin(const ta_view4 *k, const ta_view4 *v, const ta_view4 *rk, const ta_view4 *rv,
                                    int64_t row0, int64_t fill, unsigned *refuse, unsigned refuse_value, int pdl,
                                    ta_take_ticket *ticket)
{
    for (int j = 0; j < 4; j++)
        if (v->shape[j] != k->shape[j]) {
            ta_set_error("take_tokens: k and v differ in shape");
            return TA_ERR_INVALID;
        }
    const ta_view4 *src[2] = {k, v}, *dst[2] = {rk, rv};
    for (int i = 0; i < 2; i++) {
        const ta_view4 *a = src[i], *b = dst[i];
        if (a->dtype != k->dtype || a->device_id != k->device_id || fill < 0 || fill > a->shape[2] || row0 < 0 ||
            (fill > 0 && (b->dtype != a->dtype || b->shape[0] != a->shape[0] || b->shape[1] != a->shape[1] ||
                          b->shape[3] != a->shape[3] || row0 + fill > b->shape[2] || b->device_id != a->device_id))) {
            ta_set_error("take_tokens: mismatched views or rows out of range");
            return TA_ERR_INVALID;
        }
    }
    const int64_t n = k->shape[0] * k->shape[1] * k->shape[2] * k->shape[3];
    ticket->dev = k->device_id, ticket->call = 0; /* call 0: nothing launched, nothing to wait for */
    ticket->mark_at_end = refuse != NULL;
    pthread_mutex_lock(&kvc_flag_lock);
    if (n == 0) return TA_OK;
    kvc_take_state *ts = &kvc_take[ticket->dev];
    cudaError_t err = kvc_take_prepare(ts);
    if (err == cudaSuccess) {
        const unsigned call = ++ts->call ? ts->call : ++ts->call; /* 0 is the words' initial value */
        const int cpr = kvc_rows16_pieces(k, v, fill > 0 ? rk : NULL, fill > 0 ? rv : NULL);
        /* at most about 4096 CTAs in all, as the element loop has: grid.x covers one head's rows (256 / cpr a CTA
         * round) or 4096 / heads */
        const int64_t heads = 2 * k->shape[0] * k->shape[1], rpc = cpr > 0 ? 256 / cpr : 1;
        const int64_t per_head = (k->shape[2] + rpc - 1) / rpc, cap = 4096 / heads > 1 ? 4096 / heads : 1;
        const dim3 grid = cpr > 0 ? dim3((unsigned)(per_head < cap ? per_head : cap), (unsigned)heads) : dim3(kvc_grid(2 * n, 256));
        cudaLaunchAttribute attr;
        const cudaLaunchConfig_t cfg = ta_launch_config(grid, dim3(256), 0, pdl, &attr);
        err = cudaLaunchKernelEx(&cfg, take_tokens_kernel, *k, *v, fill > 0 ? *rk : *k, fill > 0 ? *rv : *v, row0, fill,
                                 n, ta_dtype_size(k->dtype), cpr, ts->counters, ts->host_dev, call, refuse,
                                 refuse_value);
        if (err == cudaSuccess && !ticket->mark_at_end) err = cudaEventRecord(ts->done, cudaStreamLegacy);
        if (err == cudaSuccess) ticket->call = call;
    }
    if (err != cudaSuccess) {
        pthread_mutex_unlock(&kvc_flag_lock);
        ta_set_error("CUDA error while taking new tokens: %s", cudaGetErrorString(err));
        return TA_ERR_CUDA;
    }
    return TA_OK;
}

/* The wait half: the kernel's answer, then kvc_flag_lock let go. */
extern "C" int ta_take_tokens_end(const ta_take_ticket *ticket, const char *const *names)
{
    unsigned bad = 0;
    cudaError_t err = cudaSuccess;
    if (ticket->call != 0) {
        kvc_take_state *ts = &kvc_take[ticket->dev];
        if (ticket->mark_at_end) err = cudaEventRecord(ts->done, cudaStreamLegacy); /* behind the kernel, later */
        if (err == cudaSuccess) err = ta_wait_mapped_word(ts->host, ticket->call, ts->done); /* bad bits first */
        if (err == cudaSuccess) bad = *(volatile unsigned *)(ts->host + 1);
    }
    pthread_mutex_unlock(&kvc_flag_lock);
    if (err != cudaSuccess) {
        ta_set_error("CUDA error while taking %s and %s: %s", names[0], names[1], cudaGetErrorString(err));
        return TA_ERR_CUDA;
    }
    for (int i = 0; i < 2; i++)
        if (bad & (1u << i)) {
            ta_set_error("%s contains NaN, Inf or values beyond 2^48; " TA_INPUT_RANGE_TEXT, names[i]);
            return TA_ERR_INVALID;
        }
    return TA_OK;
}

extern "C" int ta_take_tokens_cuda(const ta_view4 *k, const ta_view4 *v, const char *const *names, const ta_view4 *rk,
                                   const ta_view4 *rv, int64_t row0, int64_t fill)
{
    int prev = 0, st = ta_device_enter(k->device_id, &prev);
    if (st != TA_OK) return st;
    ta_take_ticket ticket;
    st = ta_take_tokens_begin(k, v, rk, rv, row0, fill, NULL, 0u, 0, &ticket);
    if (st == TA_OK) st = ta_take_tokens_end(&ticket, names);
    ta_device_leave(k->device_id, prev);
    return st;
}

extern "C" int ta_copy_bytes_cuda(void *dst, const void *src, size_t nbytes, int device_id)
{
    if (nbytes == 0) return TA_OK;
    /* on device_id's legacy stream, the one its kernels use, whichever device the caller has current */
    int prev = 0, st = ta_device_enter(device_id, &prev);
    if (st != TA_OK) return st;
    st = TA_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, cudaStreamLegacy));
    ta_device_leave(device_id, prev);
    return st;
}
