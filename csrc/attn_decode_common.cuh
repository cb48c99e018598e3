/* What both decode kernels share (SPEC section 5): the argument block, the code rebuild of SPEC section 4
 * (packed codes -> INT8 + 128, or u·step bytes with the zero added as a per-row sum; four lines at a time,
 * transposed for 4-way products), and the per-row steps
 * that must be the same float operations as attn.c: q's stage-1 quantization, the online-softmax step of
 * one block and the look-back for the running maximum. The CTA kernel is attn_decode.cu, the per-warp
 * tensor-core kernel attn_decode_warp.cu. Device code only. */
#ifndef TA_ATTN_DECODE_COMMON_CUH
#define TA_ATTN_DECODE_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "cuda_common.cuh"
#include "sas.h"
#include "ta_consts.h"
#include "ta_tensor.h"

#define DEC_RT 16    /* query rows per work item */
#define DEC_BLOCK 64 /* tokens per cache block */
#define DEC_MAX_D 256

typedef struct {
    const void *data;
    int dtype;
    int64_t stride[4];
} dec_view;

#define DEC_TICKETS 3                  /* work-item counters of the warp kernel, one per bit-width class */
#define DEC_CHECKED (DEC_TICKETS + 1)  /* after one for the CTA kernel (the residual split): q rows checked */
#define DEC_COUNTERS (DEC_TICKETS + 2)
#define DEC_MAX_CLASS_HEADS 256        /* KV heads the MIXED kernel form takes (more: the one-counter form) */

/* The residual rows' stage-1 codes laid out as one 8-bit block of a cache with the same B, H and D (written by
 * dec_residual_image_kernel, attn_decode_residual.cuh): the warp kernel takes them as its last split with the cache's own
 * code path. Codes u = x8 + 127 with step 1 and zero -127, so SPEC section 4's rebuild gives x8 back; padding rows
 * hold x8 = 0. The fields mean what dec_args' cache fields mean, for this block (j = 0). */
typedef struct {
    int64_t KB, VB;
    int64_t *k_head_off, *v_head_off;
    uint8_t *k_codes, *k_group_step, *v_codes, *v_group_step;
    int8_t *k_group_zero, *v_group_zero;
    float *k_block_scale, *v_block_scale;
} dec_image;

typedef struct {
    dec_view q, res_k, res_v;
    dec_view new_k, new_v; /* a decode step's new tokens, residual rows res_row0 .. n_res - 1 (dec_res_row) */
    int Hq, Nq, B, H, D, G, ratio, n_tiles, n_split, bps, has_res;
    int64_t n_blocks, n_res, Nk, KB, VB, res_row0;
    const uint8_t *bits;
    const int64_t *k_head_off, *v_head_off;
    const uint8_t *k_codes, *k_group_step, *v_codes, *v_group_step;
    const int8_t *k_group_zero, *v_group_zero;
    const float *k_block_scale, *v_block_scale;
    float score_scale;
    int causal, exact, threshold, p_fixed;
    int free_splits; /* softmax="exact" with the per-row P scale: splits start from their own maximum (no
                      * look-back), and the combine rescales them by their maxima (docs/DESIGN.md, "Free splits") */
    int rows_alloc;  /* rows of the score store: min(rt, ratio * Nq), 5-7 rounded up to 8 at D = 128 */
    int rt;          /* query rows per work item (tile): DEC_RT, or 8 (dec_launch) */
    float *part_acc; /* [items][DEC_RT][D] */
    float *part_ml;  /* [items][DEC_RT][3]: running max at the split's end, l, product of the split's alphas
                      * (the product goes unused with free_splits) */
    unsigned long long *lb_word; /* [items][DEC_RT]: (epoch << 32) | bits of the split's largest score per row
                                  * (look-back); value and flag share one word, so no fence orders them */
    unsigned *ticket;  /* work-item counters, zero at launch: the warp kernel's DEC_TICKETS, or the CTA
                        * kernel's one (the combine kernel zeroes them for the next call) */
    int n_sm;          /* SMs of the device: the warp kernel shares them out among bit-width classes */
    int max_bits;      /* the widest head of the cache (sizes the warp kernel's staging buffer) */
    int min_bits;      /* the narrowest (8: every head is 8-bit, which the warp kernel's 8-bit-only rows need) */
    int mixed;         /* 1: heads of several bit widths (the warp kernel's MIXED form), with: */
    int cls_count[3];  /* heads per class (4, 2, 8 bits) */
    int cls_start[3];  /* where each class's heads start in cls_heads */
    int cls_sm_end[3]; /* SMs [cls_sm_end[c - 1], cls_sm_end[c]) prefer class c */
    uint8_t cls_heads[DEC_MAX_CLASS_HEADS]; /* the heads, class by class, each class in head order */
    unsigned epoch;
    unsigned *q_bad; /* == q_call: q holds NaN or Inf; every later kernel of the call then returns without work,
                      * so out and lse keep their contents. Written by the warp kernel (wd_check_q), which checks q
                      * itself, or by dec_q_finite_kernel, which runs first when the CTA kernel does all the work */
    unsigned q_call;
    unsigned *q_host; /* the warp kernel's mapped host words: [0] = q_call when q is not finite, [1] = q_call once
                       * every row of q is checked */
    int res_warp;      /* 1: the warp kernel takes the residual split too, from `res`; 0: the CTA kernel does */
    dec_image res;
    int plan_ctas;     /* host only: the warp kernel's resident CTAs per SM, as dec_warp_plan counted them */
    int64_t item_base; /* work item of ticket 0 (the CTA kernel's residual split runs as a launch of its own) */
    int64_t n_items;   /* items of this launch */
} dec_args;

/* Per-row state of a work item, in shared memory. */
typedef struct {
    float m[DEC_RT], l[DEC_RT], alpha[DEC_RT], pvs[DEC_RT], sq[DEC_RT], aprod[DEC_RT];
    int qsum[DEC_RT], psum[DEC_RT];
    long long key_end[DEC_RT];
} dec_rows;

/* Where residual row t of (b, h), channel c, lies: the view to read and, in *off, the element. Rows below row0 are
 * in the cache's window `win`; a decode step's new tokens (rows row0 and on) are read from `fresh`, the step's
 * k_new or v_new, because take_tokens copies them into the window while the decode kernels already run (a
 * programmatic dependent launch behind it, dec_launch). Calls without new tokens have row0 = n_res. A copy, not a
 * reference chosen at run time between two parameters (see kvc_take_rows16). */
__device__ __forceinline__ dec_view dec_res_row(const dec_view &win, const dec_view &fresh, int64_t row0, int b, int h,
                                                int64_t t, int c, int64_t *off)
{
    const bool is_new = t >= row0;
    const dec_view x = is_new ? fresh : win;
    *off = b * x.stride[0] + h * x.stride[1] + (is_new ? t - row0 : t) * x.stride[2] + c * x.stride[3];
    return x;
}

__device__ __forceinline__ float dec_load(const dec_view &x, int64_t off)
{
    if (x.dtype == TA_F16) return __half2float(((const __half *)x.data)[off]);
    if (x.dtype == TA_BF16) return __bfloat162float(((const __nv_bfloat16 *)x.data)[off]);
    return ((const float *)x.data)[off];
}

/* N = 4 or 8 values of a row from element off on (channels 1 apart in memory when vec: one load of N half or
 * bfloat16 values, N / 4 of float32; the caller checks that the address allows it). */
template <int N> __device__ __forceinline__ void dec_load_vec(const dec_view &x, int64_t off, bool vec, float v[N])
{
    static_assert(N == 4 || N == 8, "one 8- or 16-byte load of halves");
    if (vec && x.dtype == TA_F32) {
#pragma unroll
        for (int k = 0; k < N / 4; k++) {
            const float4 a = *(const float4 *)((const float *)x.data + off + 4 * k);
            v[4 * k] = a.x, v[4 * k + 1] = a.y, v[4 * k + 2] = a.z, v[4 * k + 3] = a.w;
        }
    } else if (vec) { /* half or bfloat16: both conversions and a select keep one path (fewer registers) */
        uint32_t p[N / 2];
        if constexpr (N == 8) {
            const uint4 w = *(const uint4 *)((const uint16_t *)x.data + off);
            p[0] = w.x, p[1] = w.y, p[2] = w.z, p[3] = w.w;
        } else {
            const uint2 w = *(const uint2 *)((const uint16_t *)x.data + off);
            p[0] = w.x, p[1] = w.y;
        }
#pragma unroll
        for (int i = 0; i < N / 2; i++) {
            const __half2 hv = *(const __half2 *)&p[i];
            const __nv_bfloat162 bv = *(const __nv_bfloat162 *)&p[i];
            v[2 * i] = x.dtype == TA_F16 ? __low2float(hv) : __low2float(bv);
            v[2 * i + 1] = x.dtype == TA_F16 ? __high2float(hv) : __high2float(bv);
        }
    } else {
#pragma unroll
        for (int i = 0; i < N; i++) v[i] = dec_load(x, off + i * x.stride[3]);
    }
}

/* E consecutive elements of a row from element `off` on, in runs of dec_load_vec where the row is contiguous and the
 * run's address allows the loads, else element by element. An 8-row item's q took 32 scalar loads a lane, each
 * behind the dtype's test: 6.5 % of the warps' stall samples at GQA 8:1 and 4.5 % at four rows were waits on them
 * (NOTES-decode, session 42). The floats are the same either way. */
template <int E> __device__ __forceinline__ void dec_load_run(const dec_view &x, int64_t off, float out[E])
{
    static_assert(E % 4 == 0, "whole runs of four");
    constexpr int N = E % 8 == 0 ? 8 : 4;
    const bool f32 = x.dtype == TA_F32;
    const uintptr_t at = (uintptr_t)x.data + (uintptr_t)off * (f32 ? 4 : 2);
    const bool vec = x.stride[3] == 1 && (at & (f32 || N == 8 ? 15 : 7)) == 0;
#pragma unroll
    for (int k = 0; k < E / N; k++) dec_load_vec<N>(x, off + N * k, vec, out + N * k);
}

__device__ __forceinline__ float dec_exp2(const dec_args &a, float t)
{
    return a.exact ? exp2_sfu(t) : ta_sas_exp2(t, a.threshold);
}

__device__ __forceinline__ float warp_max(float x)
{
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}

/* One redux.sync (sm_80 and up) instead of five shuffles and five adds: the same integer, the sum mod 2^32. */
__device__ __forceinline__ int warp_sum(int x) { return __reduce_add_sync(0xffffffffu, x); }

/* warp_max of values that are not NaN, in one redux.sync: a float's bits read as an int keep the order of the
 * non-negative floats, and of the negative ones (-inf included) once their magnitude bits are flipped. Only
 * +0 and -0 differ from fmaxf's chain, where either may come out; the caller's use must not tell them apart. */
__device__ __forceinline__ float warp_max_nonan(float x)
{
    const int b = __float_as_int(x);
    const int k = __reduce_max_sync(0xffffffffu, b < 0 ? b ^ 0x7FFFFFFF : b);
    return __int_as_float(k < 0 ? k ^ 0x7FFFFFFF : k);
}

/* ---- packed codes -> INT8 + 128 ------------------------------------------------------------------------ */

/* One line (a key channel or a value token) holds 8 elements of BITS bits, little-end first. */
template <int BITS> __device__ __forceinline__ uint2 load_line(const uint8_t *p)
{
    uint2 r = make_uint2(0u, 0u);
    if (BITS == 2) r.x = *(const uint16_t *)p;
    if (BITS == 4) r.x = *(const uint32_t *)p;
    if (BITS == 8) r.x = *(const uint32_t *)p, r.y = *(const uint32_t *)(p + 4); /* 4-byte aligned only */
    return r;
}

/* Elements (e, e + 4) of a line as two 16-bit lanes, e = 0..3. */
template <int BITS> __device__ __forceinline__ uint32_t line_pair(uint2 r, int e)
{
    if (BITS == 4) return (r.x >> (4 * e)) & 0x000F000Fu;
    if (BITS == 2) return (__byte_perm(r.x, 0u, 0x4140) >> (2 * e)) & 0x00030003u;
    return __byte_perm(r.x, r.y, (unsigned)(e | ((4 + e) << 8))) & 0x00FF00FFu;
}

/* Four lines with their steps and zeros -> out[q] = bytes (line 0..3) of x̂ + 128 at element q, where
 * x̂ = min(u * step + zero, 127) (u * step + zero >= zero >= -127 needs no lower clamp). */
template <int BITS> __device__ __forceinline__ void rebuild_4x8(const uint2 raw[4], const int step[4],
                                                                 const int zero[4], uint32_t out[8])
{
#pragma unroll
    for (int e = 0; e < 4; e++) {
        uint32_t v[4];
#pragma unroll
        for (int line = 0; line < 4; line++) {
            uint32_t bias = (uint32_t)(zero[line] + 128) * 0x00010001u;
            v[line] = __vminu2(line_pair<BITS>(raw[line], e) * (uint32_t)step[line] + bias, 0x00FF00FFu);
        }
        uint32_t t01 = __byte_perm(v[0], v[1], 0x6240), t23 = __byte_perm(v[2], v[3], 0x6240);
        out[e] = __byte_perm(t01, t23, 0x5410);
        out[e + 4] = __byte_perm(t01, t23, 0x7632);
    }
}

/* The residual rows' image (dec_residual_image_kernel: 8 bits, steps 1, zeros -127, so x̂ + 128 = u + 1): out[q] =
 * bytes (line 0..3) of u at element q, rebuild_4x8's byte transposes without its arithmetic. The callers then take
 * 127 times the other operand's sum off instead of 128: q . (u + 1) - 128 sum(q) = q . u - 127 sum(q). In an item
 * with one such block, rebuild_4x8 held about half of its stall samples (NOTES-decode, session 43). */
__device__ __forceinline__ void image_lines(const uint2 raw[4], uint32_t out[8])
{
#pragma unroll
    for (int h = 0; h < 2; h++) { /* elements 0..3 from the lines' first words, 4..7 from their second */
        const uint32_t l0 = h ? raw[0].y : raw[0].x, l1 = h ? raw[1].y : raw[1].x;
        const uint32_t l2 = h ? raw[2].y : raw[2].x, l3 = h ? raw[3].y : raw[3].x;
        const uint32_t a0 = __byte_perm(l0, l1, 0x5140), a1 = __byte_perm(l0, l1, 0x7362); /* elements 0-1, 2-3 */
        const uint32_t b0 = __byte_perm(l2, l3, 0x5140), b1 = __byte_perm(l2, l3, 0x7362);
        out[4 * h] = __byte_perm(a0, b0, 0x5410), out[4 * h + 1] = __byte_perm(a0, b0, 0x7632);
        out[4 * h + 2] = __byte_perm(a1, b1, 0x5410), out[4 * h + 3] = __byte_perm(a1, b1, 0x7632);
    }
}

/* The same with the four lines' steps and zeros packed one byte per line, as they lie in memory. */
template <int BITS>
__device__ __forceinline__ void rebuild_lines(const uint2 raw[4], uint32_t steps, uint32_t zeros, uint32_t out[8])
{
    int step[4], zero[4];
#pragma unroll
    for (int e = 0; e < 4; e++) {
        step[e] = (steps >> (8 * e)) & 0xff;
        zero[e] = (int)(int8_t)(zeros >> (8 * e));
    }
    rebuild_4x8<BITS>(raw, step, zero, out);
}

/* ---- packed codes -> u * step (the warp kernel at 4 and 2 bits) ----------------------------------------
 * x̂ = min(u·s + z, 127) is split as x̂ = min(u·s, 127 − z) + z: the products see the first term, a byte that
 * one 32-bit multiply makes for four codes of a line (all four share the line's step), and the zero comes
 * back as a per-row sum (q · z, or p · z). SPEC section 4's steps satisfy L·s <= 255 (s = ceil((hi − lo) / L),
 * hi − lo <= 254), so no product carries into the next byte. The clamp can only act on a line with
 * L·s + z > 127; the kernel tests whole groups of lines for that and clamps only those (about one or two
 * lines in a 64-token block). About 1.3 instructions per code against rebuild_lines' 3. */

/* A line's 8 codes as the bytes of two words: *ev = (u0, u2, u4, u6), *od = (u1, u3, u5, u7). */
template <int BITS> __device__ __forceinline__ void line_bytes(uint2 r, uint32_t *ev, uint32_t *od)
{
    if (BITS == 4) {
        *ev = r.x & 0x0F0F0F0Fu;
        *od = (r.x >> 4) & 0x0F0F0F0Fu;
    } else { /* 2 bits: nibble k holds elements 2k and 2k + 1; first spread the four nibbles to bytes */
        uint32_t nib = __byte_perm(r.x & 0x0F0Fu, (r.x >> 4) & 0x0F0Fu, 0x5140);
        *ev = nib & 0x03030303u;
        *od = (nib >> 2) & 0x03030303u;
    }
}

/* Four lines with their steps (one byte per line) -> out[q] = bytes (line 0..3) of u·s at element q. */
template <int BITS> __device__ __forceinline__ void scale_lines(const uint2 raw[4], uint32_t steps, uint32_t out[8])
{
    uint32_t ev[4], od[4];
#pragma unroll
    for (int line = 0; line < 4; line++) {
        const uint32_t s = __byte_perm(steps, 0u, 0x4440u | line);
        line_bytes<BITS>(raw[line], &ev[line], &od[line]);
        ev[line] *= s, od[line] *= s;
    }
#pragma unroll
    for (int k = 0; k < 2; k++) { /* 4x4 byte transposes: elements 4k, 4k + 2 from ev, 4k + 1, 4k + 3 from od */
        const uint32_t sel = k ? 0x7362u : 0x5140u;
        uint32_t e01 = __byte_perm(ev[0], ev[1], sel), e23 = __byte_perm(ev[2], ev[3], sel);
        uint32_t o01 = __byte_perm(od[0], od[1], sel), o23 = __byte_perm(od[2], od[3], sel);
        out[4 * k] = __byte_perm(e01, e23, 0x5410);
        out[4 * k + 1] = __byte_perm(o01, o23, 0x5410);
        out[4 * k + 2] = __byte_perm(e01, e23, 0x7632);
        out[4 * k + 3] = __byte_perm(o01, o23, 0x7632);
    }
}

/* Whether one of four lines (steps and zeros one byte per line) can reach the clamp: L·s > 127 − z, where
 * 127 − z is the zero's byte XOR 0x7F. Per 16-bit lane 256 + (127 − z) − L·s keeps bit 8 exactly when not. */
template <int BITS> __device__ __forceinline__ bool lines_can_clamp(uint32_t steps, uint32_t zeros)
{
    const uint32_t ls = steps * (uint32_t)((1 << BITS) - 1), lim = zeros ^ 0x7F7F7F7Fu;
    const uint32_t ev = (lim & 0x00FF00FFu) + 0x01000100u - (ls & 0x00FF00FFu);
    const uint32_t od = __byte_perm(lim, 0u, 0x4341) + 0x01000100u - __byte_perm(ls, 0u, 0x4341);
    return (ev & od & 0x01000100u) != 0x01000100u;
}

/* ---- packed codes -> u, the steps on the other operand (the warp kernel's one-row forms) ---------------
 * x̂ · y summed over a group's direction is sum(u·s·y) + sum(z·y): the step s can go to the other operand's
 * element y (q code or P code) instead of to every code. s·y then needs more than 8 bits, so it is written
 * as two base-256 digits, lo + 256 hi, which are two columns of the mma's B; column 0 + 256 column 1 is the
 * same integer as the u·s products give. The codes themselves only need splitting: from rows interleaved by
 * quads (keys: ta_kv_key_row, values: ta_kv_value_row) a mask per register (code_quad). Until session 29 the rows
 * were whole and each register took a 4x4 byte transpose first (0.6 instructions per code), and until session 33
 * a shift as well. */

/* ---- codes in quads (at 4 and 2 bits the rows of four key channels, or of four value tokens, are interleaved
 * byte by byte: ta_kv_key_row, ta_kv_value_row) ------------------------------------------------------------
 * A "quad chunk" is segment o of one quad: 4·BITS bytes, word k holding byte BITS o + k of each of the four rows
 * (keys: tokens 8 o .. 8 o + 7 of four channels; values: channels 8 o .. 8 o + 7 of a group for four tokens). */
template <int BITS> __device__ __forceinline__ uint4 load_quad(const uint8_t *p)
{
    if (BITS == 4) return *(const uint4 *)p;
    const uint2 w = *(const uint2 *)p;
    return make_uint4(w.x, w.y, 0u, 0u);
}

/* A quad chunk -> out[e] (bytes: rows 0..3 of the quad) for the mma, with no transpose and no shift: each code
 * stays where it lies in its byte, and register e holds that byte's codes of elements e and up (the codes under
 * element e masked off; the byte's first element takes the byte as it is). An mma's row sum from register e is then
 * X_e = sum over f >= e in the byte of (u_f 2^quad_shift(f)) · y, and quad_sums takes the true sums back,
 * (X_e - X_{e+1}) >> quad_shift(e), exact since every term is a multiple of the shift's power. That is one mask a
 * word at 4 bits and three at 2 bits, against two and four when each register held one element (until session
 * 36), for one subtraction per row sum after the mma. The sums stay inside int32 with every byte up to 255: keys
 * (D <= 128) at most 128 · 255 · 128 on the lo digit and 128 · 255 · 43 · 256 < 2^29 with the hi one
 * (|q s| <= 127 · 85); values at most 64 · 255 · 255 and 64 · 255 · 84 · 256 < 2^29 (p s <= 255 · 85). */
template <int BITS> __host__ __device__ constexpr int quad_shift(int e) { return BITS == 4 ? 4 * (e & 1) : 2 * (e & 3); }

template <int BITS> __device__ __forceinline__ void code_quad(uint4 w, uint32_t out[8])
{
    constexpr int PER = 8 / BITS; /* elements a byte */
    const uint32_t x[4] = {w.x, w.y, w.z, w.w}; /* 4 bits: elements 2 k, 2 k + 1 in word k; 2 bits: 4 k .. 4 k + 3 */
#pragma unroll
    for (int e = 0; e < 8; e++) {
        const uint32_t keep = ((0xFFu << quad_shift<BITS>(e)) & 0xFFu) * 0x01010101u; /* elements e.. of each byte */
        out[e] = e % PER == 0 ? x[e / PER] : x[e / PER] & keep;
    }
}

/* The row sums X[e] of code_quad's registers (e = 2 p + u: an m-tile p's row g for u = 0, row g + 8 for u = 1),
 * each with both B digits folded in, -> the sums of element e alone, in true units. In order of e, so that X[e + 1]
 * is still its own sum when X[e] takes it off. */
template <int BITS> __device__ __forceinline__ void quad_sums(int x[8])
{
    constexpr int PER = 8 / BITS;
#pragma unroll
    for (int e = 0; e < 8; e++) {
        if (e % PER != PER - 1) x[e] -= x[e + 1];
        x[e] >>= quad_shift<BITS>(e);
    }
}

/* A quad chunk -> the four channels' lines (load_line's form), for the paths that scale each line by its step. */
template <int BITS> __device__ __forceinline__ void quad_lines(uint4 w, uint2 line[4])
{
    if (BITS == 4) {
        const uint32_t a = __byte_perm(w.x, w.y, 0x5140), b = __byte_perm(w.z, w.w, 0x5140);
        const uint32_t c = __byte_perm(w.x, w.y, 0x7362), d = __byte_perm(w.z, w.w, 0x7362);
        line[0].x = __byte_perm(a, b, 0x5410), line[1].x = __byte_perm(a, b, 0x7632);
        line[2].x = __byte_perm(c, d, 0x5410), line[3].x = __byte_perm(c, d, 0x7632);
    } else {
#pragma unroll
        for (int i = 0; i < 4; i++) line[i].x = __byte_perm(w.x, w.y, (unsigned)(i | (4 + i) << 4)) & 0xFFFFu;
    }
#pragma unroll
    for (int i = 0; i < 4; i++) line[i].y = 0u;
}

/* Code u of channel i (of 4) and element e of a quad chunk in memory. */
template <int BITS> __device__ __forceinline__ int quad_code(const uint8_t *chunk, int i, int e)
{
    constexpr int PER_BYTE = 8 / BITS;
    return (chunk[4 * (e / PER_BYTE) + i] >> (BITS * (e % PER_BYTE))) & ((1 << BITS) - 1);
}

/* The digits of four q·s products passed as q·s + 128 (bytes 0 and 1 of each word): lo = low byte XOR 0x80
 * and hi = the second byte, both read as int8, satisfy q s = lo + 256 hi (|q s| <= 127·85). */
__device__ __forceinline__ void digits4(const uint32_t w[4], uint32_t *lo, uint32_t *hi)
{
    const uint32_t x = __byte_perm(w[0], w[1], 0x5140), y = __byte_perm(w[2], w[3], 0x5140);
    *lo = __byte_perm(x, y, 0x5410) ^ 0x80808080u;
    *hi = __byte_perm(x, y, 0x7632);
}

/* What SPEC section 4's clamp takes off a code u: max(0, u·s + z − 127). */
__device__ __forceinline__ int clamp_excess_u(int u, int step, int zero)
{
    return max(0, u * step + zero - TA_INT8_MAX);
}

/* out[q] = min(out[q], 127 − z) bytewise, the zeros one byte per line (the lines of scale_lines). */
__device__ __forceinline__ void clamp_lines(uint32_t zeros, uint32_t out[8])
{
    const uint32_t lim = zeros ^ 0x7F7F7F7Fu;
#pragma unroll
    for (int q = 0; q < 8; q++) out[q] = __vminu4(out[q], lim);
}

/* dot of four u8 with four s8, plus c */
__device__ __forceinline__ int dp4a_us(uint32_t a, uint32_t b, int c)
{
    int d;
    asm("dp4a.u32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
}

/* ---- per-row steps, one warp per row --------------------------------------------------------------- */

/* Keys of [key0, key0 + n_keys) that row r may see. */
__device__ __forceinline__ int dec_n_valid(const dec_rows *rs, int r, int64_t key0, int n_keys)
{
    long long visible = rs->key_end[r] - key0;
    return visible < 0 ? 0 : (visible > n_keys ? n_keys : (int)visible);
}

/* Where row r of work-item tile `tile` starts in q (elements), and its query index i. */
__device__ __forceinline__ int64_t dec_q_row_offset(const dec_args &a, int tile, int h, int b, int r, int *i)
{
    const int rho = a.rt * tile + r, hq = h * a.ratio + rho / a.Nq;
    *i = rho % a.Nq;
    return b * a.q.stride[0] + hq * a.q.stride[1] + *i * a.q.stride[2];
}

/* Row r's state before its first block: a real row (query index i, q's amax and code sum) sees keys [0, key_end), an
 * empty one (past the item's rows) none. */
__device__ __forceinline__ void dec_row_start(const dec_args &a, dec_rows *rs, int r, bool real, int i, float amax,
                                              int qsum)
{
    long long end = 0;
    if (real) {
        end = a.Nk;
        if (a.causal) { /* bottom-right aligned: keys [0, i + Nk - Nq] */
            end = (long long)i + (a.Nk - a.Nq) + 1;
            end = end < 0 ? 0 : (end > a.Nk ? a.Nk : end);
        }
    }
    rs->qsum[r] = real ? qsum : 0, rs->sq[r] = real ? ta_s1_scale(amax) : 0.0f, rs->key_end[r] = end;
    rs->m[r] = -INFINITY, rs->l[r] = 0.0f, rs->aprod[r] = 1.0f;
}

/* Row r of work-item tile `tile`: q's stage-1 INT8 codes (SPEC section 5: one block per row) into q8row[0..D)
 * and the row's initial state; rows past `rows` get zero codes and an empty state. True (in every lane) when the
 * row holds NaN or Inf. width: the codes written, D's or (a head dim run on D = 64's lanes, wd_lanes) the lanes',
 * zero past D. */
__device__ __forceinline__ bool dec_quantize_q_row(const dec_args &a, int tile, int h, int b, int r, int rows,
                                                   int8_t *q8row, dec_rows *rs, int width)
{
    const int D = a.D, lane = threadIdx.x & 31;
    if (r >= rows) {
        for (int c = lane; c < width; c += 32) q8row[c] = 0;
        if (lane == 0) dec_row_start(a, rs, r, false, 0, 0.0f, 0);
        return false;
    }
    int i;
    const int64_t base = dec_q_row_offset(a, tile, h, b, r, &i);
    /* the row's D / 32 values per lane are loaded together, once: a load per loop round waited a memory
     * latency each, at the start of every work item */
    float x[DEC_MAX_D / 32];
#pragma unroll
    for (int u = 0; u < DEC_MAX_D / 32; u++) {
        const int c = lane + 32 * u;
        x[u] = c < D ? dec_load(a.q, base + c * a.q.stride[3]) : 0.0f;
    }
    float amax = 0.0f;
    bool finite = true;
#pragma unroll
    for (int u = 0; u < DEC_MAX_D / 32; u++) {
        finite &= fabsf(x[u]) <= TA_INPUT_ABS_MAX; /* false for NaN, Inf and beyond the input range */
        amax = fmaxf(amax, fabsf(x[u]));
    }
    amax = warp_max(amax);
    const float inv = ta_s1_inv(amax);
    int sum = 0;
#pragma unroll
    for (int u = 0; u < DEC_MAX_D / 32; u++) {
        const int c = lane + 32 * u;
        if (c >= width) break; /* past D, x = 0: code 0 */
        const int code = ta_s1_code(x[u], inv);
        q8row[c] = (int8_t)code;
        sum += code;
    }
    sum = warp_sum(sum);
    if (lane == 0) dec_row_start(a, rs, r, true, i, amax, sum);
    return !__all_sync(0xffffffffu, finite);
}

/* Rows 0 .. tr - 1 of a work item with at most R = 32 / LPR real rows: LPR lanes a row, E = D / LPR consecutive
 * elements a lane. Every row's loads are in flight together and a row's reductions take log2(LPR) shuffle levels,
 * where dec_quantize_q_row takes one row after another over the whole warp: four-row items spent about 9 us of a
 * 100 us warp there (NOTES-decode, session 28). The same integers and floats as dec_quantize_q_row: the maximum
 * and the integer sum do not depend on the order. Fits when a lane's share is whole code words of at most 32
 * values (registers held only here, before the block loops). */
__host__ __device__ constexpr bool dec_q_par_fits(int D, int lpr)
{
    return D % lpr == 0 && D / lpr % 4 == 0 && D / lpr <= 32;
}

template <int D, int LPR, int DR = D>
__device__ __forceinline__ bool dec_quantize_q_rows_par(const dec_args &a, int tile, int h, int b, int rows, int tr,
                                                        int8_t *q8, int pitch, dec_rows *rs)
{
    constexpr int E = D / LPR, R = 32 / LPR;
    static_assert(dec_q_par_fits(D, LPR), "whole code words, and at most 32 values a lane");
    static_assert(DR % E == 0, "a lane's share is all head channels or all padding");
    const int lane = threadIdx.x & 31, r = lane / LPR, sub = lane % LPR;
    const bool real = r < rows && (DR == D || sub * E < DR); /* DR < D: the channels past DR get zero codes */
    int i = 0;
    const int64_t base = real ? dec_q_row_offset(a, tile, h, b, r, &i) + (int64_t)sub * E * a.q.stride[3] : 0;
    float x[E];
    if (real) {
        dec_load_run<E>(a.q, base, x);
    } else {
#pragma unroll
        for (int u = 0; u < E; u++) x[u] = 0.0f;
    }
    float amax = 0.0f;
    bool finite = true;
#pragma unroll
    for (int u = 0; u < E; u++) {
        finite &= fabsf(x[u]) <= TA_INPUT_ABS_MAX; /* false for NaN, Inf and beyond the input range */
        amax = fmaxf(amax, fabsf(x[u]));
    }
#pragma unroll
    for (int o = LPR / 2; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
    const float inv = ta_s1_inv(amax); /* 0 for the rows past `rows` (amax = 0): zero codes */
    int sum = 0;
    uint32_t *const dst = (uint32_t *)(q8 + r * pitch + sub * E);
#pragma unroll
    for (int w = 0; w < E / 4; w++) {
        uint32_t word = 0;
#pragma unroll
        for (int k = 0; k < 4; k++) {
            const int code = ta_s1_code(x[4 * w + k], inv);
            word |= (uint32_t)(code & 0xff) << (8 * k);
            sum += code;
        }
        dst[w] = word;
    }
#pragma unroll
    for (int o = LPR / 2; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    if (sub == 0) dec_row_start(a, rs, r, DR == D ? real : r < rows, i, amax, sum);
    for (int k = lane; k < (tr - R) * (D / 4); k += 32) /* rows R .. tr - 1: zero codes, an empty state */
        ((uint32_t *)(q8 + (R + k / (D / 4)) * pitch))[k % (D / 4)] = 0u;
    for (int rr = R + lane; rr < tr; rr += 32) dec_row_start(a, rs, rr, false, 0, 0.0f, 0);
    return !__all_sync(0xffffffffu, finite);
}

/* Rows 0 .. tr - 1 of a work item: in one pass (dec_quantize_q_rows_par) for up to 8 rows where it fits;
 * otherwise (D = 64 with one row, items of 9 to 16 rows) as dec_quantize_q_row, after the lanes have asked L1 for
 * every real row's lines: one row after another, a four-row item waited four memory latencies (q and the check took
 * about 11 us of a 90 us warp, NOTES-decode session 18). Rows with a stride between elements are loaded as before,
 * without a prefetch. */
template <int D, int DR = D>
__device__ __forceinline__ bool dec_quantize_q_rows(const dec_args &a, int tile, int h, int b, int rows, int tr, int8_t *q8,
                                                    int pitch, dec_rows *rs)
{
    /* DR < D (a head dim run on D's lanes, channels DR .. D - 1 zero): items of up to 4 rows, which the par forms take
     * but for one row at D = 64 (dec_quantize_q_row, DR = a.D, codes zero up to D) */
    if (rows <= 1) {
        if constexpr (dec_q_par_fits(D, 32))
            return dec_quantize_q_rows_par<D, 32, DR>(a, tile, h, b, rows, tr, q8, pitch, rs);
    } else if (rows <= 2) {
        if constexpr (dec_q_par_fits(D, 16))
            return dec_quantize_q_rows_par<D, 16, DR>(a, tile, h, b, rows, tr, q8, pitch, rs);
    } else if (rows <= 4) {
        if constexpr (dec_q_par_fits(D, 8))
            return dec_quantize_q_rows_par<D, 8, DR>(a, tile, h, b, rows, tr, q8, pitch, rs);
    } else if (rows <= 8) {
        if constexpr (dec_q_par_fits(D, 4))
            return dec_quantize_q_rows_par<D, 4>(a, tile, h, b, rows, tr, q8, pitch, rs);
    }
    if (a.q.stride[3] == 1) {
        /* A row spans at most `lines` 128-byte lines; each lane asks for one, at an address inside the row. */
        const int size = a.q.dtype == TA_F32 ? 4 : 2, bytes = DR * size, lines = (bytes + 127) / 128 + 1;
        for (int k = threadIdx.x & 31; k < rows * lines; k += 32) {
            int i;
            const int r = k / lines;
            const char *row = (const char *)a.q.data + dec_q_row_offset(a, tile, h, b, r, &i) * size;
            const char *p = (const char *)(((uintptr_t)row & ~(uintptr_t)127) + (uintptr_t)(k - r * lines) * 128);
            if (p < row) p = row;
            if (p < row + bytes) asm volatile("prefetch.global.L1 [%0];" ::"l"(p));
        }
    }
    bool bad = false;
    for (int r = 0; r < tr; r++) bad |= dec_quantize_q_row(a, tile, h, b, r, rows, q8 + r * pitch, rs, D);
    return bad;
}

/* EXP2 of -n0 and -n1 (n >= 0, +inf gives 0): the paired SAS of sas.h (threshold <= 14), or the SFU's exp2 for
 * softmax="exact". a.exact is the same for the whole launch, so the branch costs no divergence. */
__device__ __forceinline__ float2 dec_exp2_neg_pair(const dec_args &a, float n0, float n1, float thr)
{
    if (a.exact) return make_float2(exp2_sfu(-n0), exp2_sfu(-n1));
    return __half22float2(sas_exp2_neg_pair(n0, n1, thr));
}

/* SPEC section 2's online softmax step (attn.c's attn_block_step) of one block [key0, key0 + n_keys) for rows
 * [r_first, r_first + rows) of the work item, one warp: LPR lanes per row (rows <= 32 / LPR), each with
 * 64 / LPR of the block's scores (tokens sub + LPR k). Scores S[r][0..64) (masked ones -inf) -> P codes
 * p8[r * p_pitch + t] and the row's state; also multiplies the row's alpha product (what the splits after
 * this one apply to this one's l and acc). Max and integer sum do not depend on the order, and every
 * per-row float is the same operation for every LPR, so all forms give attn.c's numbers. */
template <int LPR, bool PAIRED = false>
__device__ __forceinline__ void dec_rows_step(const dec_args &a, dec_rows *rs, int r_first, int rows, const float *S,
                                              uint8_t *p8, int p_pitch, int64_t key0, int n_keys, float sv)
{
    constexpr int TPL = DEC_BLOCK / LPR;
    const int lane = threadIdx.x & 31, r = r_first + lane / LPR, sub = lane % LPR;
    const bool active = lane / LPR < rows;
    const int n_valid = active ? dec_n_valid(rs, r, key0, n_keys) : 0;
    float sc[TPL], row_max = -INFINITY;
#pragma unroll
    for (int k = 0; k < TPL; k++) {
        sc[k] = active ? S[r * DEC_BLOCK + sub + LPR * k] : -INFINITY;
        row_max = fmaxf(row_max, sc[k]);
    }
    /* one row a warp: one redux for the max (scores are finite or -inf, and a zero's sign changes no result:
     * m_new - sc and the combine's m - M come out the same) */
    if constexpr (LPR == 32) {
        row_max = warp_max_nonan(row_max);
    } else {
#pragma unroll
        for (int o = LPR / 2; o > 0; o >>= 1) row_max = fmaxf(row_max, __shfl_xor_sync(0xffffffffu, row_max, o));
    }
    const float m_old = active ? rs->m[r] : -INFINITY;
    const float m_new = row_max > m_old ? row_max : m_old;
    float alpha = 1.0f, ps = 0.0f, p_inv = 0.0f;
    int sum = 0;
    uint8_t *prow = p8 + r * p_pitch;
    /* PAIRED: SAS with a threshold <= 14 (the caller checks), two values per paired EXP2, bit-identical, or the
     * exact softmax's SFU exp2 (as the scalar form's dec_exp2). A row with a visible key has a finite m_new, so
     * no NaN reaches it; other rows' values are not used. */
    const float thr = (float)a.threshold;
    if (n_valid > 0) {
        float p_max;
        if (PAIRED) { /* m_old = -inf gives alpha = 0 */
            const float2 e = dec_exp2_neg_pair(a, __fsub_rn(m_new, m_old), __fsub_rn(m_new, row_max), thr);
            alpha = e.x, p_max = e.y;
        } else {
            alpha = dec_exp2(a, m_old - m_new); /* m_old = -inf gives 0 */
            p_max = dec_exp2(a, row_max - m_new);
        }
        if (a.p_fixed) {
            ps = 1.0f / (float)TA_P_MAX;
            p_inv = (float)TA_P_MAX;
        } else {
            ps = p_max > 0.0f ? p_max / (float)TA_P_MAX : 0.0f;
            if (!a.free_splits) p_inv = p_max > 0.0f ? (float)TA_P_MAX / p_max : 0.0f;
        }
    }
    /* Free splits (exact softmax, per-row P scale) take the codes against the block's own maximum, rint(255
     * 2^(S - row max)), as prefill's exact kernels do (NOTES-prefill v13): the same real number as C's
     * rint(2^(S - m_new) * 255 / p_max), without the division and off the chain through m_new and alpha. */
    const float ref = a.free_splits ? row_max : m_new, code_inv = a.free_splits ? (float)TA_P_MAX : p_inv;
#pragma unroll
    for (int k = 0; k < TPL; k += 2) { /* TPL = 64 / LPR >= 2 */
        float e[2];
        if (PAIRED) {
            const float2 v = dec_exp2_neg_pair(a, __fsub_rn(ref, sc[k]), __fsub_rn(ref, sc[k + 1]), thr);
            e[0] = v.x, e[1] = v.y;
        }
#pragma unroll
        for (int u = 0; u < 2; u++) {
            int t = sub + LPR * (k + u), c = 0;
            if (t < n_valid) c = (int)fminf(rintf((PAIRED ? e[u] : dec_exp2(a, sc[k + u] - ref)) * code_inv), (float)TA_P_MAX);
            if (active) prow[t] = (uint8_t)c;
            sum += c;
        }
    }
    if constexpr (LPR == 32) {
        sum = warp_sum(sum);
    } else {
#pragma unroll
        for (int o = LPR / 2; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    }
    __syncwarp(); /* every lane has read rs->m before it is overwritten */
    if (active && sub == 0) {
        if (n_valid == 0) { /* every key masked: m, l, acc unchanged */
            rs->pvs[r] = -1.0f, rs->alpha[r] = 1.0f, rs->psum[r] = 0;
        } else {
            rs->l[r] = __fadd_rn(__fmul_rn(alpha, rs->l[r]), __fmul_rn(ps, (float)sum)); /* attn.c: no FMA */
            rs->m[r] = m_new;
            rs->alpha[r] = alpha;
            rs->aprod[r] = __fmul_rn(rs->aprod[r], alpha);
            rs->pvs[r] = ps * sv;
            rs->psum[r] = sum;
        }
    }
}

/* Publishes the largest score of row r of work item `item` for the look-back: one 64-bit store of the
 * value with the launch's epoch. A reader that sees the epoch sees the value (single-copy atomic word),
 * so the writer needs no memory fence; the fence and separate flag it replaced stalled every warp
 * (ncu: "membar", 0.53 cycles per issued instruction; NOTES-decode). */
__device__ __forceinline__ void dec_publish_max(const dec_args &a, int64_t item, int r, float mx)
{
    if (a.free_splits) return; /* nobody looks back */
    *(volatile unsigned long long *)(a.lb_word + item * DEC_RT + r) =
        ((unsigned long long)a.epoch << 32) | __float_as_uint(mx);
}

/* The running maximum before split `split` of (tile, b, h): the largest of the maxima that the earlier
 * splits published (a decoupled look-back). Earlier splits have lower work-item numbers, taken from a
 * counter by CTAs that were already running, so the wait always ends. SAS drops values below 2^-threshold
 * of the running maximum, so starting a split from its own maximum instead would change which scores
 * survive. One warp; writes rs->m[r] for r < rows. With free_splits (exact softmax, per-row P scale) the
 * split keeps m = -inf from dec_quantize_q_row and starts from its own maximum: its P codes are rint(255
 * 2^(S - row max)) whatever m is, up to the SFU's rounding.
 * Lane l reads row l % RP (RP: rows rounded up to a power of two) of splits l / RP, + 32 / RP, ..., LB_LOADS
 * words at a time: it loads every word of the group not yet published, folds those that are, and sleeps once
 * before the next try. Read one word at a time (each test waiting for its load), a look-back cost one L2 round
 * trip per row and per 32 splits after the last earlier split published: 24 of them at (1,32,8,128k), four rows and
 * 187 splits. Loading a round's rows together but spinning on each word in turn (session 28, run 5) made most
 * words stale by the time they were tested, and each cost a sleep and a reload (NOTES-decode, session 31). Each
 * group is one L2 round trip after the words are published, and the words were published when they were read
 * (ncu: the look-back's stalls were load waits, not sleeps), so a group holds 24 words a lane: 192 splits of four
 * rows, 96 of eight, where 8 words took 3 and 6 round trips at the 171 splits of a 32k-token GQA step (8 % of
 * the warps' time at four rows; NOTES-decode, session 42). Its registers are free here, between the phases. */
#define LB_LOADS 24
__device__ __forceinline__ void dec_look_back(const dec_args &a, dec_rows *rs, int split, int tile, int b, int h,
                                              int rows)
{
    if (a.free_splits) return;
    const int lane = threadIdx.x & 31;
    const int rp = rows <= 1 ? 1 : rows <= 2 ? 2 : rows <= 4 ? 4 : rows <= 8 ? 8 : 16, per = 32 / rp, r = lane & (rp - 1);
    const int64_t stride = (int64_t)a.n_tiles * a.B * a.H * DEC_RT; /* words from one split's item to the next's */
    const volatile unsigned long long *w = a.lb_word + (((int64_t)tile * a.B + b) * a.H + h) * DEC_RT + r;
    float pm = -INFINITY;
    for (int sp0 = lane / rp; r < rows && sp0 < split; sp0 += LB_LOADS * per) {
        unsigned pending = 0; /* bit u: split sp0 + u per, not yet folded */
#pragma unroll
        for (int u = 0; u < LB_LOADS; u++) pending |= (unsigned)(sp0 + u * per < split) << u;
        for (;;) {
            unsigned long long x[LB_LOADS];
#pragma unroll
            for (int u = 0; u < LB_LOADS; u++) x[u] = (pending >> u) & 1u ? w[(sp0 + u * per) * stride] : 0ull;
#pragma unroll
            for (int u = 0; u < LB_LOADS; u++)
                if (((pending >> u) & 1u) && (x[u] >> 32) == a.epoch) {
                    pm = fmaxf(pm, __uint_as_float((unsigned)x[u]));
                    pending &= ~(1u << u);
                }
            if (!pending) break;
            __nanosleep(100);
        }
    }
    for (int o = rp; o < 32; o <<= 1) pm = fmaxf(pm, __shfl_xor_sync(0xffffffffu, pm, o)); /* lanes of one row */
    if (lane < rows) rs->m[lane] = pm;
}

#endif
