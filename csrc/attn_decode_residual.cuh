/* The residual rows of a decode call (the last N mod 64 tokens, kept in the input dtype; SPEC section 4) as the warp
 * kernel takes them: dec_residual_image_kernel quantizes them (SPEC section 1, one block of n_res rows for K and one
 * for V) into one 8-bit block of a cache image (dec_image), and the warp kernel then attends that block as its last
 * split with its 8-bit code path (docs/DESIGN.md, "The residual split"). Also the row loads that the CTA kernel's
 * own residual split uses (residual_blocks). Device code and the image's host layout; included by attn_decode.cu. */
#ifndef TA_ATTN_DECODE_RESIDUAL_CUH
#define TA_ATTN_DECODE_RESIDUAL_CUH

#include "attn_decode_common.cuh"
#include "cuda_common.cuh"

/* Whether dec_load_vec<8> may read a row's 8 values at once (rows contiguous and 16-byte aligned). */
__device__ __forceinline__ bool dec_rows_vec(const dec_view &x)
{
    return x.stride[3] == 1 && (x.stride[2] | x.stride[1] | x.stride[0]) % 8 == 0 && ((uintptr_t)x.data & 15) == 0;
}

/* ---- the residual rows as an 8-bit cache block (dec_image) ----------------------------------------------- */

/* Where the image's arrays lie in one allocation of dec_image_bytes (every part 16-byte aligned), for B, H, D. */
static inline size_t dec_image_part(size_t n) { return (n + 15) & ~(size_t)15; }

static inline size_t dec_image_bytes(int B, int H, int D)
{
    const size_t hb = (size_t)H * B, G = (size_t)(D + 63) / 64;
    return 2 * dec_image_part(hb * D * DEC_BLOCK) + 2 * dec_image_part(hb * D) + 2 * dec_image_part(DEC_BLOCK * hb * G) +
           2 * dec_image_part(hb * sizeof(float)) + 2 * dec_image_part((size_t)H * sizeof(int64_t));
}

static inline dec_image dec_image_carve(uint8_t *base, int B, int H, int D)
{
    const size_t hb = (size_t)H * B, G = (size_t)(D + 63) / 64;
    dec_image im;
    im.KB = (int64_t)hb * D * DEC_BLOCK, im.VB = (int64_t)hb * D * DEC_BLOCK;
    im.k_codes = base, base += dec_image_part(hb * D * DEC_BLOCK);
    im.v_codes = base, base += dec_image_part(hb * D * DEC_BLOCK);
    im.k_group_step = base, base += dec_image_part(hb * D);
    im.k_group_zero = (int8_t *)base, base += dec_image_part(hb * D);
    im.v_group_step = base, base += dec_image_part(DEC_BLOCK * hb * G);
    im.v_group_zero = (int8_t *)base, base += dec_image_part(DEC_BLOCK * hb * G);
    im.k_block_scale = (float *)base, base += dec_image_part(hb * sizeof(float));
    im.v_block_scale = (float *)base, base += dec_image_part(hb * sizeof(float));
    im.k_head_off = (int64_t *)base, base += dec_image_part((size_t)H * sizeof(int64_t));
    im.v_head_off = (int64_t *)base;
    return im;
}

/* One CTA per (h, b, K or V): blockIdx.x = 2 (h B + b) + (1 for V). Each thread loads its 8-channel chunks of all
 * its rows at once (one memory latency, not one per row: a two-pass loop over the rows took 16 us here, NOTES-decode
 * session 12), then the block's amax, then codes u = x8 + 127 (padding rows: 127, x8 = 0). Values go out
 * token-major, 8 bytes per chunk; keys are turned channel-major in shared memory (dec_image_key_at) and go out in
 * 16-byte chunks. The CTA of K also writes the steps (1), zeros (-127) and scale of its keys and, for b = 0, the
 * head offsets; the CTA of V those of its values. It lets the warp kernel, launched behind it, start at once
 * (programmatic dependent launch); that kernel's residual items wait for this grid (ta_pdl_wait) before they read
 * the image. In a decode step it is itself a programmatic dependent launch behind take_tokens, whose new rows it
 * reads from the step's k_new and v_new (dec_res_row); it waits for that grid before it ends, so that the kernels
 * behind it follow take_tokens too. Head dims 64, 128 and 256 (the warp kernel's); a head dim DR run on D = 128's
 * or D = 64's lanes (80, 96, 112; 32, 48: wd_lanes) gets a D-channel image whose channels past DR are zero codes. */
#define DEC_IMAGE_THREADS 256

/* Words a key channel's row of the image kernel's channel-major tile is rotated by: one per group of 8 channels at
 * D = 256. A thread writes the 8 channels of one token, and a warp's threads hold channels 8 apart: unrotated, all 32
 * wrote one bank, and the turn took most of the kernel's 14-17 us; rotated (at most two threads a bank) it took 5-6.5
 * us, and a call with 37 residual rows 4-10 % less time. At D = 128 (16 threads a bank) the rotation shortened the
 * kernel from 8.4 to 5.4 us too, but (16,32,8,8k + 37) came out 2-4 % slower in two runs, for a reason not found, so
 * D <= 128 keeps the plain tile (NOTES-decode, session 42). */
template <int D> __device__ __forceinline__ int dec_image_rot(int c) { return D == 256 ? c >> 3 : 0; }
/* Byte of key channel c, token t in that tile. */
template <int D> __device__ __forceinline__ int dec_image_key_at(int c, int t)
{
    return c * DEC_BLOCK + ((t + 4 * dec_image_rot<D>(c)) & (DEC_BLOCK - 1));
}

template <int D, int DR = D>
__global__ void __launch_bounds__(DEC_IMAGE_THREADS) dec_residual_image_kernel(const dec_args a)
{
    ta_pdl_trigger();
    constexpr int TPR = D / 8, RPS = DEC_IMAGE_THREADS / TPR, ROUNDS = DEC_BLOCK / RPS, G = D / 64;
    __shared__ float red[DEC_IMAGE_THREADS / 32];
    __shared__ __align__(16) uint8_t keys[D * DEC_BLOCK]; /* [channel][token] */
    const int tid = threadIdx.x, is_v = blockIdx.x & 1, b = (blockIdx.x >> 1) % a.B, h = (blockIdx.x >> 1) / a.B;
    const int64_t hb = (int64_t)h * a.B + b;
    const dec_view win = is_v ? a.res_v : a.res_k, fresh = is_v ? a.new_v : a.new_k; /* copies: dec_res_row */
    const dec_image &im = a.res;
    const int t0 = tid / TPR, c0 = 8 * (tid % TPR), n_res = (int)a.n_res;
    const bool vec = dec_rows_vec(win) && dec_rows_vec(fresh);
    float v[ROUNDS][8];
    float m = 0.0f;
#pragma unroll
    for (int r = 0; r < ROUNDS; r++) {
        const int t = t0 + RPS * r;
        if (t < n_res && (DR == D || c0 < DR)) {
            int64_t off;
            const dec_view x = dec_res_row(win, fresh, a.res_row0, b, h, t, c0, &off);
            dec_load_vec<8>(x, off, vec, v[r]);
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) v[r][i] = 0.0f;
        }
#pragma unroll
        for (int i = 0; i < 8; i++) m = fmaxf(m, fabsf(v[r][i]));
    }
    m = warp_max(m);
    if ((tid & 31) == 0) red[tid >> 5] = m;
    __syncthreads();
    m = red[0];
    for (int w = 1; w < DEC_IMAGE_THREADS / 32; w++) m = fmaxf(m, red[w]);
    const float inv = ta_s1_inv(m);
#pragma unroll
    for (int r = 0; r < ROUNDS; r++) {
        const int t = t0 + RPS * r;
        uint32_t w[2] = {0u, 0u};
#pragma unroll
        for (int i = 0; i < 8; i++) {
            const int c = t < n_res ? ta_s1_code(v[r][i], inv) : 0;
            w[i / 4] |= (uint32_t)(c + TA_INT8_MAX) << (8 * (i % 4));
            if (!is_v) keys[dec_image_key_at<D>(c0 + i, t)] = (uint8_t)(c + TA_INT8_MAX);
        }
        if (is_v) *(uint2 *)(im.v_codes + (hb * DEC_BLOCK + t) * D + c0) = make_uint2(w[0], w[1]);
    }
    const float scale = ta_s1_scale(m);
    if (is_v) {
        for (int i = tid; i < DEC_BLOCK * G; i += DEC_IMAGE_THREADS) /* [1, H, B, 64, G] */
            im.v_group_step[hb * DEC_BLOCK * G + i] = 1, im.v_group_zero[hb * DEC_BLOCK * G + i] = -TA_INT8_MAX;
        if (tid == 0) im.v_block_scale[hb] = scale;
        ta_pdl_wait();
        return;
    }
    __syncthreads();
    uint4 *dst = (uint4 *)(im.k_codes + hb * D * DEC_BLOCK);
    for (int i = tid; i < D * DEC_BLOCK / 16; i += DEC_IMAGE_THREADS) { /* chunk i: channel i / 4, tokens 16 (i % 4) */
        if constexpr (D != 256) {
            dst[i] = ((const uint4 *)keys)[i];
        } else {
            const uint32_t *row = (const uint32_t *)keys + (i >> 2) * (DEC_BLOCK / 4);
            const int w0 = 4 * (i & 3) + dec_image_rot<D>(i >> 2); /* the word of token 16 (i % 4) */
            dst[i] = make_uint4(row[w0 & 15], row[(w0 + 1) & 15], row[(w0 + 2) & 15], row[(w0 + 3) & 15]);
        }
    }
    for (int c = tid; c < D; c += DEC_IMAGE_THREADS) im.k_group_step[hb * D + c] = 1, im.k_group_zero[hb * D + c] = -TA_INT8_MAX;
    if (tid == 0) {
        im.k_block_scale[hb] = scale;
        if (b == 0) im.k_head_off[h] = im.v_head_off[h] = (int64_t)h * a.B * D * DEC_BLOCK;
    }
    ta_pdl_wait();
}

#endif
