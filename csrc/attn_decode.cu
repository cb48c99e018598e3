/* SPEC section 5 on the GPU: decode attention against the compressed KV cache (FlashDecoding split-K).
 *
 * This file holds the launcher, the split combine and the CTA kernel. The compressed blocks at head dim 64
 * and 128 go to the per-warp tensor-core kernel (attn_decode_warp.cu, faster); the CTA kernel takes every
 * other head dim (TURBOATTN_DECODE_KERNEL=cta forces it everywhere, for comparisons). The residual rows go to
 * either (dec_warp_plan decides; attn_decode_residual.cuh). Both leave the same partial results per work item,
 * which the combine merges.
 *
 * Work item = (split, row tile, batch, KV head); one CTA of 128 threads each here. A row tile is up to 16
 * (query head of the group, query token) pairs of one KV head, so every byte of the cache that a CTA
 * reads serves all the query heads that share it (GQA). A split is a run of compressed blocks; the
 * residual rows (fewer than 64 tokens, input dtype) are a split of their own. Each item leaves
 * (m, l, acc) per row in scratch and a second kernel merges the splits.
 *
 * Per 64-token block the CTA
 *   A. reads the packed codes once (2, 4 or 8 bytes per thread and line) and rebuilds INT8 in registers
 *      with SPEC section 4's integer rule, two codes per 32-bit IMAD (16-bit lanes) and one VIMNMX.U16x2
 *      for the clamp, then transposes 4x4 bytes with PRMT so that keys land token-major and values
 *      channel-major in shared memory: both products then read 4 consecutive reduction elements per word;
 *   B. computes q.k with dp4a (q int8 against the codes biased by +128, the bias removed with sum(q));
 *   C. runs SPEC section 2's online softmax step per row (one warp per row), uint8 P;
 *   D. computes p.v with dp4a and updates acc.
 * The float operations and their order are those of attn.c (see docs/DESIGN.md, "Readings of the spec"),
 * so the only difference from the CPU is the split of the sequence, merged with the same EXP2. */
#include "attn_decode.cuh"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn_decode_common.cuh"
#include "attn_decode_residual.cuh"
#include "attn_decode_warp.cuh"
#include "cuda_common.cuh"
#include "kv_compress.cuh"

#define DEC_THREADS 128
#define DEC_WARPS (DEC_THREADS / 32)
#define DEC_VP 68    /* bytes per channel row of the value tile: 64 tokens + 4, so that the rows 8 apart that
                      * one warp writes fall on 4 different bank offsets */

/* Shared-memory carve-up; sizes depend on D only. */
typedef struct {
    int8_t *q8;     /* [RT][D] */
    uint8_t *kh;    /* [64][KP]: keys + 128, token-major */
    uint8_t *vh;    /* [D][DEC_VP]: values + 128, channel-major */
    float *S;       /* [bps][rows_alloc][64]: the scores of every block of the split */
    uint8_t *p8;    /* [RT][64] */
    dec_rows *rs;
    float *red;                      /* [2][DEC_WARPS] */
    int KP, rows_alloc;
    int kswz; /* kh rows are stored with 16-byte chunk c at c ^ ((row >> 3) & kswz): conflict-free stores */
} dec_smem;

__host__ __device__ static inline int dec_kp(int D) { return D + 16; }

__host__ __device__ static inline size_t dec_smem_bytes(int D, int rows_alloc, int bps)
{
    size_t n = 0;
    n += (size_t)DEC_RT * D;                                  /* q8 */
    n += (size_t)DEC_BLOCK * dec_kp(D);                       /* kh */
    n += (size_t)D * DEC_VP;                                  /* vh */
    n += sizeof(float) * (size_t)bps * rows_alloc * DEC_BLOCK; /* S */
    n += (size_t)DEC_RT * DEC_BLOCK;                          /* p8 */
    n += sizeof(dec_rows) + sizeof(float) * 2 * DEC_WARPS;
    return n + 64;
}

__device__ static dec_smem dec_carve(uint8_t *base, int D, int rows_alloc, int bps)
{
    dec_smem s;
    s.KP = dec_kp(D);
    s.rows_alloc = rows_alloc;
    int chunks = D / 16;
    s.kswz = (chunks & (chunks - 1)) ? 0 : (chunks < 8 ? chunks : 8) - 1;
    uint8_t *at = base;
    s.kh = at, at += (size_t)DEC_BLOCK * s.KP; /* 16-byte aligned rows: KP and D are multiples of 16 */
    s.vh = at, at += (size_t)D * DEC_VP;
    s.q8 = (int8_t *)at, at += (size_t)DEC_RT * D;
    s.p8 = at, at += DEC_RT * DEC_BLOCK;
    s.S = (float *)at, at += sizeof(float) * (size_t)bps * rows_alloc * DEC_BLOCK;
    s.rs = (dec_rows *)at, at += sizeof(dec_rows); /* 8-byte aligned: S is a multiple of 256 bytes */
    s.red = (float *)at;
    return s;
}

/* signed (q codes) x unsigned (biased key codes) 4-way dot product; the intrinsic has no mixed form. */
__device__ __forceinline__ int dp4a_su(int a, uint32_t b, int c)
{
    int d;
    asm("dp4a.s32.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
}

/* ---- A: packed codes -> INT8 + 128 in shared memory --------------------------------------------------- */

/* A thread's share of one block, loaded in one go so the next block's loads can be in flight while the
 * current one is computed: keys in units of (4 channels, 8 tokens), values in units of (4 tokens,
 * 8 channels); at most DEC_UNITS of each per thread (D <= 256). */
#define DEC_UNITS 4

typedef struct {
    uint2 line[DEC_UNITS][4];
    uint32_t step[DEC_UNITS], zero[DEC_UNITS]; /* four bytes each: one per line */
} dec_raw;

/* Keys: consecutive threads take consecutive token octets of a channel (8 threads read one packed
 * channel row: coalesced); kh's chunk swizzle keeps their transposed stores conflict-free. */
template <int BITS>
__device__ __forceinline__ void load_keys(const dec_args &a, int64_t j, int h, int b, dec_raw &r)
{
    const int D = a.D, quads = D / 4, channel_bytes = DEC_BLOCK * BITS / 8;
    int64_t group_row = (j * a.H + h) * a.B + b;
    const uint8_t *kbase = a.k_codes + j * a.KB + a.k_head_off[h] + (int64_t)b * D * channel_bytes;
#pragma unroll
    for (int i = 0; i < DEC_UNITS; i++) {
        int u = threadIdx.x + DEC_THREADS * i;
        if (u < quads * 8) {
            int c0 = 4 * (u / 8), o = u % 8;
            r.step[i] = *(const uint32_t *)(a.k_group_step + group_row * D + c0);
            r.zero[i] = *(const uint32_t *)(a.k_group_zero + group_row * D + c0);
            if (BITS == 8) {
#pragma unroll
                for (int e = 0; e < 4; e++)
                    r.line[i][e] = load_line<BITS>(kbase + (int64_t)(c0 + e) * channel_bytes + o * BITS);
            } else { /* the quad's rows interleaved (ta_kv_key_row): segment o is one chunk */
                quad_lines<BITS>(load_quad<BITS>(kbase + (int64_t)c0 * channel_bytes + 4 * BITS * o), r.line[i]);
            }
        }
    }
}

/* Values: earlier runs of 64 channels are whole, so channel octet o starts at byte o * BITS of the
 * token's row; consecutive threads take consecutive octets of a token (coalesced, and the steps and
 * zeros of a token are one broadcast load). At 4 and 2 bits the rows of tokens 4 tq .. 4 tq + 3 are interleaved
 * (ta_kv_value_row): their octet o is one chunk of the quad's 4 vrow bytes, split back into lines. */
template <int BITS>
__device__ __forceinline__ void load_values(const dec_args &a, int64_t j, int h, int b, dec_raw &r)
{
    const int D = a.D, octets = D / 8;
    int64_t vrow = (int64_t)(D / 64) * 8 * BITS + ((D % 64) * BITS + 7) / 8;
    const int64_t grow = (j * a.H + h) * a.B + b; /* (j, h, b) in the [cap, H, B] arrays */
    const uint8_t *vbase = a.v_codes + j * a.VB + a.v_head_off[h] + (int64_t)b * DEC_BLOCK * vrow; /* the block's rows */
#pragma unroll
    for (int i = 0; i < DEC_UNITS; i++) {
        int u = threadIdx.x + DEC_THREADS * i;
        if (u < 16 * octets) {
            int tq = u / octets, o = u % octets, g = (8 * o) / 64;
            uint32_t st = 0, ze = 0;
#pragma unroll
            for (int e = 0; e < 4; e++) {
                if (BITS == 8) r.line[i][e] = load_line<BITS>(vbase + (int64_t)(4 * tq + e) * vrow + o * BITS);
                const int64_t at = (grow * DEC_BLOCK + 4 * tq + e) * a.G + g;
                st |= (uint32_t)a.v_group_step[at] << (8 * e);
                ze |= (uint32_t)(uint8_t)a.v_group_zero[at] << (8 * e);
            }
            r.step[i] = st, r.zero[i] = ze;
            if constexpr (BITS < 8) /* tokens 4 tq .. interleaved (ta_kv_value_row): octet o is one chunk */
                quad_lines<BITS>(load_quad<BITS>(vbase + 4 * tq * vrow + 4 * BITS * o), r.line[i]);
        }
    }
}

template <int BITS>
__device__ __forceinline__ void rebuild_unit(const dec_raw &r, int i, uint32_t out[8])
{
    rebuild_lines<BITS>(r.line[i], r.step[i], r.zero[i], out);
}

template <int BITS> __device__ __forceinline__ void store_keys(const dec_smem &s, int D, const dec_raw &r)
{
    const int quads = D / 4;
#pragma unroll
    for (int i = 0; i < DEC_UNITS; i++) {
        int u = threadIdx.x + DEC_THREADS * i;
        if (u < quads * 8) {
            int c0 = 4 * (u / 8), o = u % 8;
            int col = (((c0 >> 4) ^ (o & s.kswz)) << 4) + (c0 & 15);
            uint32_t out[8];
            rebuild_unit<BITS>(r, i, out);
#pragma unroll
            for (int q = 0; q < 8; q++) *(uint32_t *)(s.kh + (8 * o + q) * s.KP + col) = out[q];
        }
    }
}

template <int BITS> __device__ __forceinline__ void store_values(const dec_smem &s, int D, const dec_raw &r)
{
    const int octets = D / 8;
#pragma unroll
    for (int i = 0; i < DEC_UNITS; i++) {
        int u = threadIdx.x + DEC_THREADS * i;
        if (u < 16 * octets) {
            int tq = u / octets, o = u % octets;
            uint32_t out[8];
            rebuild_unit<BITS>(r, i, out);
#pragma unroll
            for (int q = 0; q < 8; q++) *(uint32_t *)(s.vh + (8 * o + q) * DEC_VP + 4 * tq) = out[q];
        }
    }
}

/* The residual rows of K and of V as two stage-1 blocks (SPEC section 1 on n_res rows each): codes + 128 into kh
 * and vh, padding rows code 0 (their keys are masked, their P codes 0); *sk and *sv get the block scales. Thread
 * i takes channels 8 (i % (D / 8)) .. + 7 of rows i / (D / 8), i / (D / 8) + 128 / (D / 8), ...: 8 values in one
 * load where the rows are contiguous (the cache's own residual buffer always is), and K and V in the same passes,
 * two independent chains per thread. Element by element (a division, a dtype switch and a load per element, over
 * the whole 64-row tile), and K and V one after the other, the residual split of (1, 32, 32, 32k + 37) took 75 us;
 * at one CTA of 4 warps per SM it is latency-bound (NOTES-decode, session 11). */
__device__ void residual_blocks(const dec_args &a, int b, int h, int n_res, int D, const dec_smem &s, float *sk,
                                float *sv)
{
    const int tid = threadIdx.x, tpr = D / 8, rps = DEC_THREADS / tpr; /* threads per row, rows per round */
    const int t0 = tid / tpr, c0 = 8 * (tid % tpr);
    const bool on = t0 < rps; /* D = 48, 80, ...: the last threads of the CTA have no row */
    const bool veck = dec_rows_vec(a.res_k) && dec_rows_vec(a.new_k), vecv = dec_rows_vec(a.res_v) && dec_rows_vec(a.new_v);
    float mk = 0.0f, mv = 0.0f;
    for (int t = t0; on && t < n_res; t += rps) {
        float k8[8], v8[8];
        int64_t ok, ov;
        const dec_view xk = dec_res_row(a.res_k, a.new_k, a.res_row0, b, h, t, c0, &ok);
        const dec_view xv = dec_res_row(a.res_v, a.new_v, a.res_row0, b, h, t, c0, &ov);
        dec_load_vec<8>(xk, ok, veck, k8);
        dec_load_vec<8>(xv, ov, vecv, v8);
#pragma unroll
        for (int i = 0; i < 8; i++) mk = fmaxf(mk, fabsf(k8[i])), mv = fmaxf(mv, fabsf(v8[i]));
    }
    mk = warp_max(mk), mv = warp_max(mv);
    __syncthreads(); /* s.red may still be read from the previous call */
    if ((tid & 31) == 0) s.red[tid >> 5] = mk, s.red[DEC_WARPS + (tid >> 5)] = mv;
    __syncthreads();
    mk = s.red[0], mv = s.red[DEC_WARPS];
    for (int w = 1; w < DEC_WARPS; w++) mk = fmaxf(mk, s.red[w]), mv = fmaxf(mv, s.red[DEC_WARPS + w]);
    const bool zk = ta_s1_zero(mk), zv = ta_s1_zero(mv); /* all codes 0: no loads */
    const float ik = ta_s1_inv(mk), iv = ta_s1_inv(mv);
    int t = t0;
    for (; on && t < n_res; t += rps) {
        float k8[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, v8[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        int64_t ok, ov;
        const dec_view xk = dec_res_row(a.res_k, a.new_k, a.res_row0, b, h, t, c0, &ok);
        const dec_view xv = dec_res_row(a.res_v, a.new_v, a.res_row0, b, h, t, c0, &ov);
        if (!zk) dec_load_vec<8>(xk, ok, veck, k8);
        if (!zv) dec_load_vec<8>(xv, ov, vecv, v8);
        uint32_t w[2] = {0u, 0u}; /* key codes + 128, little end first */
#pragma unroll
        for (int i = 0; i < 8; i++) {
            const int ck = ta_s1_code(k8[i], ik), cv = ta_s1_code(v8[i], iv);
            w[i / 4] |= (uint32_t)(ck + 128) << (8 * (i % 4));
            s.vh[(c0 + i) * DEC_VP + t] = (uint8_t)(cv + 128);
        }
        /* 8 channels inside one 16-byte chunk of the swizzled row */
        *(uint2 *)(s.kh + t * s.KP + ((((c0 >> 4) ^ ((t >> 3) & s.kswz))) << 4) + (c0 & 15)) = make_uint2(w[0], w[1]);
    }
    for (; on && t < DEC_BLOCK; t += rps) {
        *(uint2 *)(s.kh + t * s.KP + ((((c0 >> 4) ^ ((t >> 3) & s.kswz))) << 4) + (c0 & 15)) = make_uint2(0x80808080u, 0x80808080u);
#pragma unroll
        for (int i = 0; i < 8; i++) s.vh[(c0 + i) * DEC_VP + t] = 0x80;
    }
    *sk = ta_s1_scale(mk);
    *sv = ta_s1_scale(mv);
}

/* ---- the per-block steps ------------------------------------------------------------------------------ */

/* B: S = q.k for one block into S_all[jb] (masked keys -inf), thread (token t, rows of parity rg). */
__device__ __forceinline__ void block_scores(const dec_args &a, const dec_smem &s, int jb, float sk, int64_t key0,
                                             int n_keys, int rows)
{
    const int D = a.D, t = threadIdx.x & 63, rg = threadIdx.x >> 6;
    int dots[DEC_RT / 2];
#pragma unroll
    for (int i = 0; i < DEC_RT / 2; i++) dots[i] = 0;
    for (int w = 0; w < D; w += 16) {
        uint4 k4 = *(const uint4 *)(s.kh + t * s.KP + ((((w >> 4) ^ ((t >> 3) & s.kswz))) << 4));
#pragma unroll
        for (int i = 0; i < DEC_RT / 2; i++) {
            int r = rg + 2 * i;
            if (r < rows) {
                uint4 q4 = *(const uint4 *)(s.q8 + r * D + w);
                dots[i] = dp4a_su((int)q4.x, k4.x, dots[i]);
                dots[i] = dp4a_su((int)q4.y, k4.y, dots[i]);
                dots[i] = dp4a_su((int)q4.z, k4.z, dots[i]);
                dots[i] = dp4a_su((int)q4.w, k4.w, dots[i]);
            }
        }
    }
    float *S = s.S + (size_t)jb * s.rows_alloc * DEC_BLOCK;
#pragma unroll
    for (int i = 0; i < DEC_RT / 2; i++) {
        int r = rg + 2 * i;
        if (r < rows) {
            long long visible = s.rs->key_end[r] - key0;
            int n_valid = visible < 0 ? 0 : (visible > n_keys ? n_keys : (int)visible);
            float qk_scale = s.rs->sq[r] * sk * a.score_scale;
            int dot = dots[i] - 128 * s.rs->qsum[r]; /* q . (k + 128) - 128 sum(q) */
            S[r * DEC_BLOCK + t] = t < n_valid ? (float)dot * qk_scale : -INFINITY;
        }
    }
}

/* C: the online softmax step of block jb (dec_rows_step), one warp per row. */
__device__ __forceinline__ void block_softmax(const dec_args &a, const dec_smem &s, int jb, float sv, int64_t key0,
                                              int n_keys, int rows)
{
    const float *S = s.S + (size_t)jb * s.rows_alloc * DEC_BLOCK;
    for (int r = threadIdx.x >> 5; r < rows; r += DEC_WARPS)
        dec_rows_step<32>(a, s.rs, r, 1, S, s.p8, DEC_BLOCK, key0, n_keys, sv);
}

/* D: acc = alpha acc + (p . v) pv_scale, thread (channel c = tid + 128k, every row). */
__device__ __forceinline__ void block_pv(const dec_smem &s, int D, int rows, float acc[2][DEC_RT])
{
#pragma unroll
    for (int k = 0; k < 2; k++) {
        int c = threadIdx.x + DEC_THREADS * k;
        if (c < D) {
            const uint32_t *vrow = (const uint32_t *)(s.vh + c * DEC_VP); /* 4-byte aligned rows */
            uint32_t v[16];
#pragma unroll
            for (int w = 0; w < 16; w++) v[w] = vrow[w];
#pragma unroll
            for (int r = 0; r < DEC_RT; r++) {
                if (r < rows && s.rs->pvs[r] >= 0.0f) {
                    const uint4 *prow = (const uint4 *)(s.p8 + r * DEC_BLOCK);
                    unsigned d = 0;
#pragma unroll
                    for (int w4 = 0; w4 < 4; w4++) {
                        uint4 p = prow[w4];
                        d = __dp4a(p.x, v[4 * w4], d), d = __dp4a(p.y, v[4 * w4 + 1], d);
                        d = __dp4a(p.z, v[4 * w4 + 2], d), d = __dp4a(p.w, v[4 * w4 + 3], d);
                    }
                    int pv = (int)d - 128 * s.rs->psum[r]; /* p . (v + 128) - 128 sum(p) */
                    acc[k][r] = __fadd_rn(__fmul_rn(s.rs->alpha[r], acc[k][r]), __fmul_rn((float)pv, s.rs->pvs[r]));
                }
            }
        }
    }
}

/* Phase 1 of a run of compressed blocks: every block's scores, the next block's codes loading while the
 * current one is computed. */
template <int BITS>
__device__ void split_scores(const dec_args &a, const dec_smem &s, int64_t j0, int nb, int h, int b, int rows)
{
    dec_raw r;
    if (nb > 0) load_keys<BITS>(a, j0, h, b, r);
    for (int jb = 0; jb < nb; jb++) {
        int64_t j = j0 + jb;
        store_keys<BITS>(s, a.D, r);
        if (jb + 1 < nb) load_keys<BITS>(a, j + 1, h, b, r);
        float sk = a.k_block_scale[(j * a.H + h) * a.B + b];
        __syncthreads();
        block_scores(a, s, jb, sk, j * DEC_BLOCK, DEC_BLOCK, rows);
        __syncthreads();
    }
}

/* Phase 2: softmax steps and p.v, values prefetched one block ahead. */
template <int BITS>
__device__ void split_values(const dec_args &a, const dec_smem &s, int64_t j0, int nb, int h, int b, int rows,
                             float acc[2][DEC_RT])
{
    dec_raw r;
    if (nb > 0) load_values<BITS>(a, j0, h, b, r);
    for (int jb = 0; jb < nb; jb++) {
        int64_t j = j0 + jb;
        float sv = a.v_block_scale[(j * a.H + h) * a.B + b];
        block_softmax(a, s, jb, sv, j * DEC_BLOCK, DEC_BLOCK, rows);
        store_values<BITS>(s, a.D, r);
        if (jb + 1 < nb) load_values<BITS>(a, j + 1, h, b, r);
        __syncthreads();
        block_pv(s, a.D, rows, acc);
        __syncthreads();
    }
}

/* Publishes the largest score of each row of this split, then starts from the running maximum of the
 * earlier splits (dec_look_back). */
__device__ void publish_and_look_back(const dec_args &a, const dec_smem &s, int64_t item, int split, int tile, int b,
                                      int h, int nb, int rows)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int r = warp; r < rows; r += DEC_WARPS) {
        float mx = -INFINITY;
        for (int jb = 0; jb < nb; jb++) {
            const float *S = s.S + ((size_t)jb * s.rows_alloc + r) * DEC_BLOCK;
            mx = fmaxf(mx, fmaxf(S[lane], S[lane + 32]));
        }
        mx = warp_max(mx);
        if (lane == 0) dec_publish_max(a, item, r, mx);
    }
    if (warp == 0) dec_look_back(a, s.rs, split, tile, b, h, rows);
    __syncthreads();
}

/* ---- the kernel ------------------------------------------------------------------------------------ */

__global__ void __launch_bounds__(DEC_THREADS, 4) decode_kernel(const dec_args a)
{
    extern __shared__ __align__(16) uint8_t dec_smem_raw[];
    const int D = a.D, tid = threadIdx.x, warp = tid >> 5;
    dec_smem s = dec_carve(dec_smem_raw, D, a.rows_alloc, a.bps);

    /* Launched behind the warp kernel for the residual split, this kernel may run while that one does (programmatic
     * dependent launch, dec_launch): every exit waits for the warp kernel to finish, so that the combine, which
     * follows this kernel in the stream, follows both. */
    if (*a.q_bad == a.q_call) { /* q is not finite (dec_q_finite_kernel, an earlier kernel of the stream) */
        ta_pdl_wait();
        return;
    }
    /* Work items come from a counter, not blockIdx: CUDA does not promise to start CTAs in index order,
     * and the look-back waits on lower items. A counter hands item i only to a CTA that is running, after
     * every lower item was handed out, so every item a CTA waits on belongs to a running CTA. */
    __shared__ unsigned s_item;
    if (threadIdx.x == 0) s_item = atomicAdd(a.ticket, 1u);
    __syncthreads();
    int64_t item = s_item + a.item_base;
    int h = (int)(item % a.H), b = (int)(item / a.H % a.B);
    int tile = (int)(item / ((int64_t)a.H * a.B) % a.n_tiles);
    int split = (int)(item / ((int64_t)a.H * a.B * a.n_tiles));
    int rows = min(a.rt, a.ratio * a.Nq - a.rt * tile);

    /* q: one stage-1 block per row (SPEC section 5), one warp per row. Rows that are not finite: the warp kernel,
     * which may still be running, marks the call and publishes nothing for them, so this item must not look back. */
    bool bad = false;
    for (int r = warp; r < DEC_RT; r += DEC_WARPS) bad |= dec_quantize_q_row(a, tile, h, b, r, rows, s.q8 + r * D, s.rs, D);
    const bool q_bad = __syncthreads_or(bad);

    int residual = split == a.n_split;
    long long end_max = 0;
    for (int r = 0; r < rows; r++) end_max = max(end_max, s.rs->key_end[r]);
    int64_t j0 = (int64_t)split * a.bps, j1 = residual ? j0 : min(a.n_blocks, j0 + a.bps);
    j1 = min(j1, (int64_t)((end_max + DEC_BLOCK - 1) / DEC_BLOCK)); /* blocks no row can see */
    int nb = residual ? (a.n_blocks * DEC_BLOCK < end_max ? 1 : 0) : (int)max((int64_t)0, j1 - j0);
    const int bits = a.bits[h];
    const int n_res = (int)a.n_res;

    /* Phase 1: scores of every block of the split. */
    float res_sv = 0.0f; /* the residual rows' value scale (their codes are quantized with the keys') */
    if (residual) {
        if (nb) {
            float sk;
            residual_blocks(a, b, h, n_res, D, s, &sk, &res_sv);
            __syncthreads();
            block_scores(a, s, 0, sk, a.n_blocks * DEC_BLOCK, n_res, rows);
            __syncthreads();
        }
    } else if (bits == 4) split_scores<4>(a, s, j0, nb, h, b, rows);
    else if (bits == 2) split_scores<2>(a, s, j0, nb, h, b, rows);
    else split_scores<8>(a, s, j0, nb, h, b, rows);

    if (q_bad) { /* before the look-back, which would wait for splits that publish nothing */
        ta_pdl_wait();
        return;
    }
    publish_and_look_back(a, s, item, split, tile, b, h, nb, rows);

    /* Phase 2: softmax and p.v from the running maximum of the earlier splits. */
    float acc[2][DEC_RT];
#pragma unroll
    for (int k = 0; k < 2; k++)
#pragma unroll
        for (int r = 0; r < DEC_RT; r++) acc[k][r] = 0.0f;
    if (residual) {
        if (nb) {
            block_softmax(a, s, 0, res_sv, a.n_blocks * DEC_BLOCK, n_res, rows);
            __syncthreads();
            block_pv(s, D, rows, acc);
        }
    } else if (bits == 4) split_values<4>(a, s, j0, nb, h, b, rows, acc);
    else if (bits == 2) split_values<2>(a, s, j0, nb, h, b, rows, acc);
    else split_values<8>(a, s, j0, nb, h, b, rows, acc);
    __syncthreads();

    float *pa = a.part_acc + item * DEC_RT * D;
#pragma unroll
    for (int k = 0; k < 2; k++) {
        int c = tid + DEC_THREADS * k;
        if (c < D) {
#pragma unroll
            for (int r = 0; r < DEC_RT; r++)
                if (r < rows) pa[r * D + c] = acc[k][r];
        }
    }
    if (tid < rows) {
        float *ml = a.part_ml + (item * DEC_RT + tid) * 3;
        ml[0] = s.rs->m[tid], ml[1] = s.rs->l[tid], ml[2] = s.rs->aprod[tid];
    }
    ta_pdl_wait();
}

/* ---- merging the splits ------------------------------------------------------------------------------- */

typedef struct {
    int B, Hq, Nq, H, D, ratio, n_tiles, n_items_split; /* n_items_split: splits incl. the residual one */
    int rt;                                             /* query rows per tile (dec_args.rt) */
    const float *part_acc, *part_ml;
    void *out;
    int out_dtype;
    int64_t out_stride[4];
    float *lse;
    unsigned *ticket; /* the decode kernels' work counters: zeroed here for the next call (one memset fewer) */
    const unsigned *q_bad;
    unsigned q_call;
    int free_splits; /* dec_args.free_splits: merge by the splits' maxima instead of replaying their alphas */
} comb_args;

#define COMB_WARPS 8

/* The weights of a fold (l, acc) <- (l, acc) * wa + (l_s, acc_s) * wb of a state whose maximum is M with a part
 * whose maximum is m; M becomes the larger. Replayed splits ran from the CPU's running maximum: wa is the part's
 * alpha product ap and wb = 1 (a multiply by 1 is exact, so this is the recurrence below bit for bit). Free
 * splits each ran from their own maximum: both sides are rescaled to the larger (FlashDecoding's merge). A side
 * at -inf holds l = 0 and acc = 0, so its weight only has to be finite. */
__device__ __forceinline__ float comb_weights(bool free_splits, float &M, float m, float ap, float &wb)
{
    const float Mn = fmaxf(M, m);
    float wa = ap;
    wb = 1.0f;
    if (free_splits) {
        wa = M == Mn ? 1.0f : exp2f(M - Mn);
        wb = m == Mn ? 1.0f : exp2f(m - Mn);
    }
    M = Mn;
    return wa;
}

/* One CTA per output row and 32 CPL of its channels (blockIdx.y), a lane holding CPL of them. Split s ran the CPU's
 * block steps from the CPU's running maximum, so the CPU's state after it is (l, acc) = (l, acc) before it times
 * the split's alpha product, plus its own. That recurrence is associative in the pair (product, value), so each warp
 * folds a contiguous run of splits and the runs are folded in order at the end. Free splits (comb_weights) merge in
 * the same order. A round's loads (BATCH splits) are issued together, lane u loading split u's (m, l, alpha
 * product) for the warp, which the fold takes by shuffles; loads past the run are predicated off and folded as
 * identities. combine_launch picks BATCH and CPL by the length of the warps' runs. */
template <int BATCH, int CPL> __global__ void __launch_bounds__(32 * COMB_WARPS) combine_kernel(const comb_args a)
{
    static_assert(BATCH <= 32, "lane u loads split u's (m, l, alpha product)");
    __shared__ float s_acc[COMB_WARPS][32 * CPL];
    __shared__ float s_mlp[COMB_WARPS][3];
    /* The next decode step's take_tokens (a programmatic dependent launch that waits for this grid before it does
     * anything) may be placed on the SMs now, so that it starts as this grid ends. */
    ta_pdl_trigger();
    ta_pdl_wait(); /* when launched behind the decode kernels (combine_launch): their partials and counters are final */
    if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x < DEC_COUNTERS) a.ticket[threadIdx.x] = 0; /* the decode kernels are done */
    if (*a.q_bad == a.q_call) return; /* q is not finite: the call raises, out and lse stay as they were */
    int64_t row = blockIdx.x;
    int i = (int)(row % a.Nq), hq = (int)(row / a.Nq % a.Hq), b = (int)(row / ((int64_t)a.Nq * a.Hq));
    int h = hq / a.ratio, rho = (hq % a.ratio) * a.Nq + i, tile = rho / a.rt, r = rho % a.rt;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, n = a.n_items_split;
    const int per = (n + COMB_WARPS - 1) / COMB_WARPS, s0 = warp * per, s1 = min(n, s0 + per);
    const int c0 = 32 * CPL * (int)blockIdx.y; /* the CTA's first channel; the lane's are c0 + lane + 32 k */
    const int64_t stride = (int64_t)a.n_tiles * a.B * a.H; /* items from one split to the next */
    const int64_t item0 = ((int64_t)tile * a.B + b) * a.H + h; /* split 0's item */
    float M = -INFINITY, L = 0.0f, AP = 1.0f, acc[CPL];
#pragma unroll
    for (int k = 0; k < CPL; k++) acc[k] = 0.0f;
    for (int sp0 = s0; sp0 < s1; sp0 += BATCH) {
        float mv = -INFINITY, lv = 0.0f, av = 1.0f; /* split sp0 + lane's, identities past the run */
        if (lane < BATCH && sp0 + lane < s1) {
            const float *ml = a.part_ml + (((sp0 + lane) * stride + item0) * DEC_RT + r) * 3;
            mv = ml[0], lv = ml[1], av = ml[2];
        }
        float pa[BATCH][CPL];
#pragma unroll
        for (int u = 0; u < BATCH; u++) {
            const float *part = a.part_acc + (((sp0 + u) * stride + item0) * DEC_RT + r) * a.D + c0 + lane;
#pragma unroll
            for (int k = 0; k < CPL; k++)
                pa[u][k] = sp0 + u < s1 && c0 + lane + 32 * k < a.D ? part[32 * k] : 0.0f;
        }
#pragma unroll
        for (int u = 0; u < BATCH; u++) { /* identities past the run leave the state unchanged exactly */
            const float m = __shfl_sync(0xffffffffu, mv, u), l = __shfl_sync(0xffffffffu, lv, u);
            const float ap = __shfl_sync(0xffffffffu, av, u);
            float wb;
            const float wa = comb_weights(a.free_splits, M, m, ap, wb);
            L = __fadd_rn(__fmul_rn(L, wa), __fmul_rn(l, wb));
            AP = __fmul_rn(AP, ap);
#pragma unroll
            for (int k = 0; k < CPL; k++) acc[k] = __fadd_rn(__fmul_rn(acc[k], wa), __fmul_rn(pa[u][k], wb));
        }
    }
#pragma unroll
    for (int k = 0; k < CPL; k++) s_acc[warp][lane + 32 * k] = acc[k];
    if (lane == 0) s_mlp[warp][0] = M, s_mlp[warp][1] = L, s_mlp[warp][2] = AP;
    __syncthreads();
    const int t = threadIdx.x, c = c0 + t; /* the thread's channel of the merged runs */
    if (t >= 32 * CPL || c >= a.D) return;
    float A = 0.0f, LL = 0.0f, MM = -INFINITY;
    for (int w = 0; w < COMB_WARPS; w++) {
        float wb;
        const float wa = comb_weights(a.free_splits, MM, s_mlp[w][0], s_mlp[w][2], wb);
        A = __fadd_rn(__fmul_rn(A, wa), __fmul_rn(s_acc[w][t], wb));
        LL = __fadd_rn(__fmul_rn(LL, wa), __fmul_rn(s_mlp[w][1], wb));
    }
    float o = LL > 0.0f ? A / LL : 0.0f;
    int64_t off = b * a.out_stride[0] + hq * a.out_stride[1] + i * a.out_stride[2] + c * a.out_stride[3];
    if (a.out_dtype == TA_F16) ((__half *)a.out)[off] = __float2half_rn(o);
    else if (a.out_dtype == TA_BF16) ((__nv_bfloat16 *)a.out)[off] = __float2bfloat16_rn(o);
    else ((float *)a.out)[off] = o;
    if (c == 0 && a.lse) a.lse[row] = LL > 0.0f ? (MM + log2f(LL)) * TA_LN2 : -INFINITY;
}

/* The combine's forms, (splits a load round, channels a lane): a whole row per CTA, its channels 4 or 8 a lane, where
 * a warp's run is at most 8 splits, so that one round loads it (4 a round where runs are that short: fewer registers,
 * more CTAs an SM, -2 to -3 % at (16,32,8,8k) in session 31); where runs are longer, 32 channels per CTA, one a lane,
 * 32 splits a round: at 128k tokens and GQA 4:1 a row's 187 splits took three rounds of 8 in the row-per-CTA form,
 * and more CTAs per row were slower where runs are short (NOTES-decode, session 32). */
typedef void (*comb_kernel_t)(const comb_args);
static const struct {
    int batch, cpl;
    comb_kernel_t kernel;
} comb_table[] = {{4, 4, combine_kernel<4, 4>}, {8, 4, combine_kernel<8, 4>}, {4, 8, combine_kernel<4, 8>},
                  {8, 8, combine_kernel<8, 8>}, {32, 1, combine_kernel<32, 1>}};

/* The row-per-CTA forms go out as a programmatic dependent launch where the GPU has it (pdl), so that their set-up
 * overlaps the end of the kernel before them: -2 to -4 % at (16,32,8,8k), -1 to -2 % at one row. The 32-channel
 * form was 1.5-2.3 % slower that way at 128k (session 32's run 8; session 19 saw the same split), so it waits for
 * an ordinary launch. */
static int combine_launch(const comb_args *c, int64_t n_rows, int pdl)
{
    const int per = (c->n_items_split + COMB_WARPS - 1) / COMB_WARPS;
    const int k = per > 8 ? 4 : (c->D <= 128 ? 0 : 2) + (per > 4); /* comb_table's row */
    const int span = 32 * comb_table[k].cpl;                          /* channels a CTA */
    cudaLaunchAttribute attr;
    const cudaLaunchConfig_t cfg = ta_launch_config(dim3((unsigned)n_rows, (unsigned)((c->D + span - 1) / span)),
                                                    dim3(32 * COMB_WARPS), 0, pdl && comb_table[k].cpl > 1, &attr);
    return TA_CUDA_CHECK(cudaLaunchKernelEx(&cfg, comb_table[k].kernel, *c));
}

/* ---- q's NaN/Inf check ---------------------------------------------------------------------------------
 * SPEC section 1 makes a non-finite input an error. A decode step is ~0.1 ms, so the check must not leave
 * the GPU idle while the host looks at the answer. When the warp kernel runs, it checks q itself (wd_check_q)
 * and says so through mapped host words. Otherwise this kernel runs first and marks the call's number in a
 * device word (which every later kernel of the call reads at entry, and then returns without work) and in a
 * mapped host word. The host enqueues the whole call, then waits for the check only (dec_wait_q_checked, or
 * an event recorded after this kernel), reads the host word and raises; the decode kernels run on meanwhile. */
__global__ void dec_q_finite_kernel(const dec_view q, int64_t Hq, int64_t Nq, int64_t D, int64_t n, unsigned call,
                                    unsigned *bad_dev, unsigned *bad_host)
{
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
        int64_t d = e % D, i = e / D % Nq, h = e / (D * Nq) % Hq, b = e / (D * Nq * Hq);
        float x = dec_load(q, b * q.stride[0] + h * q.stride[1] + i * q.stride[2] + d * q.stride[3]);
        if (!(fabsf(x) <= TA_INPUT_ABS_MAX)) { /* NaN, Inf, or beyond the input range (ta_consts.h) */
            *bad_dev = call;
            *(volatile unsigned *)bad_host = call;
        }
    }
}

/* ---- launcher --------------------------------------------------------------------------------------- */

static pthread_mutex_t dec_lock = PTHREAD_MUTEX_INITIALIZER;
/* What a GPU keeps between decode calls (decode runs every step): partial results and look-back words,
 * grown on demand; the SM count; the shared-memory limit raised for the CTA kernel. */
typedef struct {
    float *scratch;
    size_t scratch_bytes;
    unsigned long long *lb_words; /* DEC_RT look-back words per work item, then DEC_COUNTERS counters */
    size_t lb_items;
    unsigned epoch;
    int sm_count, max_smem, cc_major;
    unsigned *q_bad;      /* device word: the number (q_call) of the last call whose q was not finite */
    unsigned *q_bad_host; /* mapped host memory: [0] the same, for the launching thread; [1] the number of the
                           * last call whose q the warp kernel has checked */
    unsigned *q_bad_host_dev; /* q_bad_host as the kernels address it */
    cudaEvent_t q_checked; /* recorded after dec_q_finite_kernel, or after the warp kernel and the residual split
                            * (dec_wait_q_checked) */
    int q_event_made;
    unsigned q_call;     /* what dec_q_finite_kernel writes for this call */
    uint8_t *image;      /* the residual rows' image (dec_image), grown on demand */
    size_t image_bytes;
} dec_device_state;
static dec_device_state dec_state[TA_MAX_DEVICES];
static int dec_forced_bps; /* ta_decode_set_blocks_per_split */
static int dec_forced_rt;  /* ta_decode_set_rows_per_item */

extern "C" void ta_decode_set_blocks_per_split(int blocks) { dec_forced_bps = blocks > 0 ? blocks : 0; }
extern "C" void ta_decode_set_rows_per_item(int rows) { dec_forced_rt = rows > 0 && rows <= DEC_RT ? rows : 0; }

static ta_decode_plan dec_last_plan; /* ta_decode_last_plan */
extern "C" ta_decode_plan ta_decode_last_plan(void) { return dec_last_plan; }

/* The MIXED kernel's classes (wd_take_item): the heads of each bit width, in the order 4, 2, 8 bits, and the
 * SMs that prefer each class, shared out in proportion to its heads: SM s prefers the first class c with
 * s * H < (heads of classes 0..c) * n_sm. */
static void dec_set_classes(dec_args *a, const uint8_t *bits)
{
    static const int order[3] = {4, 2, 8};
    int n = 0;
    for (int c = 0; c < 3; c++) {
        a->cls_start[c] = n;
        for (int h = 0; h < a->H; h++)
            if (bits[h] == order[c]) a->cls_heads[n++] = (uint8_t)h;
        a->cls_count[c] = n - a->cls_start[c];
        a->cls_sm_end[c] = (int)(((int64_t)n * a->n_sm + a->H - 1) / a->H);
    }
}

static dec_view dec_view_of(const ta_view4 *x)
{
    dec_view v;
    v.data = x->data;
    v.dtype = (int)x->dtype;
    for (int i = 0; i < 4; i++) v.stride[i] = x->stride[i];
    return v;
}

static int dec_check(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out)
{
    if (q->device != TA_CUDA || out->device != TA_CUDA || kv->residual_k.device != TA_CUDA) {
        ta_set_error("q, out and the cache must be in CUDA memory for the CUDA path");
        return TA_ERR_INVALID;
    }
    if (out->device_id != q->device_id || kv->residual_k.device_id != q->device_id) {
        ta_set_error("q, out and the cache must be on one GPU (q on cuda:%d, out on cuda:%d, cache on cuda:%d)",
                     q->device_id, out->device_id, kv->residual_k.device_id);
        return TA_ERR_INVALID;
    }
    int64_t D = q->shape[3];
    if (D < 16 || D > DEC_MAX_D || D % 16 != 0) {
        ta_set_error("head dim must be a multiple of 16 in [16, 256] (got %lld)", (long long)D);
        return TA_ERR_INVALID;
    }
    if (kv->block != DEC_BLOCK || kv->B != q->shape[0] || kv->D != D || kv->H < 1 || q->shape[1] % kv->H != 0) {
        ta_set_error("the cache must have block 64 and the batch and head dim of q, and divide q's heads (got block=%d, "
                     "B=%d, D=%d, H=%d; q is [%lld, %lld, %lld, %lld])", kv->block, kv->B, kv->D, kv->H,
                     (long long)q->shape[0], (long long)q->shape[1], (long long)q->shape[2], (long long)q->shape[3]);
        return TA_ERR_INVALID;
    }
    for (int i = 0; i < 4; i++)
        if (out->shape[i] != q->shape[i]) {
            ta_set_error("out must have the shape of q");
            return TA_ERR_INVALID;
        }
    if (kv->n_residual < 0 || kv->n_residual >= DEC_BLOCK || kv->n_blocks < 0 || kv->n_blocks > kv->cap_blocks) {
        ta_set_error("the cache has inconsistent sizes (n_blocks %lld, n_residual %lld)", (long long)kv->n_blocks,
                     (long long)kv->n_residual);
        return TA_ERR_INVALID;
    }
    if (!(p->sm_scale > 0.0f) || !(p->sm_scale <= TA_SM_SCALE_MAX) || p->sas_threshold < 0 || p->sas_threshold > TA_SAS_T_MAX) {
        ta_set_error("sm_scale must be positive and at most 2^16 and sas_threshold in [0, %d] (got %g, %d)", TA_SAS_T_MAX,
                     (double)p->sm_scale, p->sas_threshold);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

/* Blocks per split: about two waves of resident CTAs, at least 4 blocks each, and at most what the score
 * store holds (DEC_SCORE_BYTES of shared memory). */
#define DEC_SCORE_BYTES 16384
static int dec_blocks_per_split(int64_t n_blocks, int64_t items_per_split, int rows_alloc, int sm_count, int ctas_per_sm)
{
    int cap = DEC_SCORE_BYTES / (rows_alloc * DEC_BLOCK * (int)sizeof(float));
    if (cap < 1) cap = 1;
    int64_t bps;
    if (dec_forced_bps > 0) {
        bps = dec_forced_bps;
    } else {
        int64_t target = 2LL * sm_count * ctas_per_sm;
        int64_t splits = (target + items_per_split - 1) / items_per_split;
        if (splits < 1) splits = 1;
        bps = (n_blocks + splits - 1) / splits;
        if (bps < 4) bps = 4;
    }
    return (int)(bps < cap ? bps : cap);
}

/* Waits until the warp kernel has checked every row of q (wd_check_q), reading the mapped word: the kernel says so
 * within microseconds of its start, long before it ends. The event recorded after the kernel (after the residual
 * split, which must follow the warp kernel directly) is the way out when it never says so (a kernel that failed). */
static int dec_wait_q_checked(dec_device_state *ds, unsigned call)
{
    const cudaError_t err = ta_wait_mapped_word(ds->q_bad_host + 1, call, ds->q_checked);
    if (err == cudaErrorUnknown && cudaEventQuery(ds->q_checked) == cudaSuccess) {
        ta_set_error("internal error: the decode kernel ended without checking q");
        return TA_ERR_INVALID;
    }
    return err == cudaSuccess ? TA_OK : TA_CUDA_CHECK(err);
}

/* Which launches may be programmatic dependent launches. TURBOATTN_DECODE_PDL=0 launches each after the kernel
 * before it instead: the residual split (or the warp kernel behind the residual image) and the combine (DEC_PDL_CALL),
 * a decode step's first kernel behind take_tokens (DEC_PDL_STEP) and take_tokens itself (DEC_PDL_TAKE); =step0 only
 * the step's two, =take0 take_tokens alone (benchmarks). */
enum { DEC_PDL_CALL, DEC_PDL_STEP, DEC_PDL_TAKE };
static int dec_pdl_allowed(int which)
{
    const char *env = getenv("TURBOATTN_DECODE_PDL"); /* per call, as the other knobs: tests set it */
    if (!env) return 1;
    if (strcmp(env, "0") == 0) return 0;
    if (strcmp(env, "step0") == 0) return which == DEC_PDL_CALL;
    return !(which == DEC_PDL_TAKE && strcmp(env, "take0") == 0);
}

/* The CTA kernel on a->n_items items. Behind the warp kernel (pdl: the residual split on sm_90) it is a
 * programmatic dependent launch: its CTAs start on the SMs the warp kernel leaves free, compute the residual rows'
 * scores and wait in the look-back for the warp kernel's maxima, instead of starting after the warp kernel's
 * last warp. Every exit of decode_kernel waits for the warp kernel to finish (ta_pdl_wait), so the combine, next
 * in the stream, still follows both. 32-75 us of a 0.13-0.17 ms step were this split alone (NOTES-decode,
 * session 11). */
static int dec_cta_launch(const dec_args *a, int D, int pdl)
{
    cudaLaunchAttribute attr;
    const cudaLaunchConfig_t cfg = ta_launch_config(dim3((unsigned)a->n_items), dim3(DEC_THREADS),
                                                    dec_smem_bytes(D, a->rows_alloc, a->bps), pdl, &attr);
    return TA_CUDA_CHECK(cudaLaunchKernelEx(&cfg, decode_kernel, *a));
}

/* The residual image kernel of each head dim the warp kernel runs (dec_warp_plan), and the image's head dim: the
 * lanes' for the head dims run on D = 64's or D = 128's lanes (wd_lanes in attn_decode_warp_stage.cuh). */
static const struct {
    int D, image_D;
    void (*kernel)(const dec_args);
} dec_image_table[] = {
    {32, 64, dec_residual_image_kernel<64, 32>},     {48, 64, dec_residual_image_kernel<64, 48>},
    {64, 64, dec_residual_image_kernel<64>},         {80, 128, dec_residual_image_kernel<128, 80>},
    {96, 128, dec_residual_image_kernel<128, 96>},   {112, 128, dec_residual_image_kernel<128, 112>},
    {128, 128, dec_residual_image_kernel<128>},      {256, 256, dec_residual_image_kernel<256>},
};

static int dec_image_find(int D)
{
    for (int i = 0; i < (int)(sizeof dec_image_table / sizeof dec_image_table[0]); i++)
        if (dec_image_table[i].D == D) return i;
    return -1;
}

/* New tokens that a decode step copies into the cache's residual window before it attends (ta_attention_kv_step_cuda):
 * take_tokens' views and rows, and its ticket once launched. */
typedef struct {
    const ta_view4 *k, *v, *rk, *rv;
    int64_t row0, fill;
    ta_take_ticket ticket;
    int begun;
} dec_take;

/* Query rows per work item (a tile) where the warp kernel has a few-row form of at most `few` rows: a KV head's rows
 * in the fewest tiles of at most `few`, as even as they go (5 -> 3 + 2, 7 -> 4 + 3, 8 -> 4 + 4, 16 -> 4 x 4). Items
 * of one tile are B * H item numbers apart, so the tiles of a split run together and all but the first read its
 * blocks from L2. On an H200, at 4 and 2 bits, that took 3-22 % off one item of 5 to 8 rows in the two-quad form
 * (WD_FEW8) at D = 128, 15-28 % off items of 8 rows with 9 to 16 rows, 4-39 % off the general form at D = 64, and
 * 46-64 % off the CTA kernel at D = 96 and 256 (NOTES-decode, session 44). Items of 1 or 2 rows instead of 4 were
 * 36-84 % slower at GQA 4:1, where each block's bytes are read more often; caches with 8-bit heads keep their items
 * of up to 16 rows, which were 2-27 % faster there at D = 128. */
static int dec_few_tile_rows(int rows, int few)
{
    const int tiles = (rows + few - 1) / few;
    return (rows + tiles - 1) / tiles;
}

/* a->rt = rt query rows per tile, and the tiles and rows allocated per item that follow. 5 to 7 rows at D = 128 take
 * the two-quad few-row form (WD_FEW8, only when forced: ta_decode_set_rows_per_item), whose second quad's clamp
 * counts pass through rows 4..7 of a block's score place (wd_keys_few): rows_alloc 8. */
static void dec_set_tiles(dec_args *a, int rows_total, int rt)
{
    a->rt = rt;
    a->n_tiles = (rows_total + rt - 1) / rt;
    a->rows_alloc = rows_total < rt ? rows_total : rt;
    if (a->D == 128 && a->rows_alloc > 4 && a->rows_alloc < 8) a->rows_alloc = 8;
}

static int dec_launch(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out, float *lse,
                      dec_take *take)
{
    int D = (int)q->shape[3], dev = q->device_id;
    dec_device_state *ds = &dec_state[dev]; /* dev < TA_MAX_DEVICES: ta_device_enter checked it */
    if (ds->sm_count <= 0) TA_CUDA_TRY(cudaDeviceGetAttribute(&ds->sm_count, cudaDevAttrMultiProcessorCount, dev));
    if (ds->cc_major <= 0) TA_CUDA_TRY(cudaDeviceGetAttribute(&ds->cc_major, cudaDevAttrComputeCapabilityMajor, dev));

    dec_args a;
    memset(&a, 0, sizeof a);
    a.q = dec_view_of(q);
    a.res_k = dec_view_of(&kv->residual_k);
    a.res_v = dec_view_of(&kv->residual_v);
    a.new_k = take ? dec_view_of(take->k) : a.res_k; /* read in place of the window's rows row0 and on */
    a.new_v = take ? dec_view_of(take->v) : a.res_v;
    a.res_row0 = take ? take->row0 : kv->n_residual;
    a.Hq = (int)q->shape[1], a.Nq = (int)q->shape[2], a.B = kv->B, a.H = kv->H, a.D = D, a.G = kv->G;
    a.ratio = a.Hq / a.H;
    a.n_blocks = kv->n_blocks, a.n_res = kv->n_residual, a.Nk = kv->n_blocks * DEC_BLOCK + kv->n_residual;
    a.KB = kv->KB, a.VB = kv->VB;
    a.bits = kv->bits, a.k_head_off = kv->k_head_off, a.v_head_off = kv->v_head_off;
    a.mixed = kv->mixed_bits && kv->bits_host && kv->H <= DEC_MAX_CLASS_HEADS;
    a.max_bits = kv->bits_host ? 0 : 8, a.min_bits = 8;
    for (int h = 0; kv->bits_host && h < kv->H; h++) {
        a.max_bits = kv->bits_host[h] > a.max_bits ? kv->bits_host[h] : a.max_bits;
        a.min_bits = kv->bits_host[h] < a.min_bits ? kv->bits_host[h] : a.min_bits;
    }
    const int rows_total = a.ratio * a.Nq;
    const int few = dec_forced_rt > 0 ? 0 : dec_warp_few_rows(D, a.max_bits, a.min_bits);
    const int rt = dec_forced_rt > 0 ? dec_forced_rt : few > 0 ? dec_few_tile_rows(rows_total, few) : DEC_RT;
    dec_set_tiles(&a, rows_total, rt);
    a.k_codes = kv->k_codes, a.k_group_step = kv->k_group_step, a.k_group_zero = kv->k_group_zero;
    a.k_block_scale = kv->k_block_scale;
    a.v_codes = kv->v_codes, a.v_group_step = kv->v_group_step, a.v_group_zero = kv->v_group_zero;
    a.v_block_scale = kv->v_block_scale;
    a.score_scale = p->sm_scale * TA_LOG2E; /* formed once per call in float32, as attn.c */
    a.causal = p->causal != 0, a.exact = p->softmax_exact != 0, a.threshold = p->sas_threshold;
    a.p_fixed = p->p_scale_fixed != 0;
    a.free_splits = a.exact && !a.p_fixed;

    int64_t items_per_split = (int64_t)a.n_tiles * a.B * a.H;
    a.has_res = kv->n_residual > 0;
    /* The per-warp tensor-core kernel takes the compressed blocks where it applies (TURBOATTN_DECODE_KERNEL=cta
     * forces this file's kernel, for comparisons), and then the residual rows too when its plan allows
     * (a.res_warp); this file's kernel takes the rest. */
    const char *which = getenv("TURBOATTN_DECODE_KERNEL");
    int use_warp = 0;
    if (!(which && strcmp(which, "cta") == 0)) {
        int st = dec_warp_plan(&a, dev, ds->sm_count, dec_forced_bps, &use_warp);
        if (st != TA_OK) return st;
    }
    if (!use_warp && few > 0) { /* the few-row tiles were for the warp kernel */
        dec_set_tiles(&a, rows_total, DEC_RT);
        items_per_split = (int64_t)a.n_tiles * a.B * a.H;
    }
    int cap = DEC_SCORE_BYTES / (a.rows_alloc * DEC_BLOCK * (int)sizeof(float));
    size_t smem_cap = dec_smem_bytes(D, a.rows_alloc, cap < 1 ? 1 : cap);
    if ((int)smem_cap > ds->max_smem) {
        TA_CUDA_TRY(cudaFuncSetAttribute(decode_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem_cap));
        ds->max_smem = (int)smem_cap;
    }
    if (!use_warp) {
        int ctas_per_sm = 1;
        TA_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&ctas_per_sm, decode_kernel, DEC_THREADS, smem_cap));
        if (ctas_per_sm < 1) ctas_per_sm = 1;
        a.bps = kv->n_blocks > 0 ? dec_blocks_per_split(kv->n_blocks, items_per_split, a.rows_alloc, ds->sm_count, ctas_per_sm) : 1;
    }
    a.n_split = kv->n_blocks > 0 ? (int)((kv->n_blocks + a.bps - 1) / a.bps) : 0;
    dec_last_plan.warp = use_warp, dec_last_plan.bps = a.bps, dec_last_plan.n_split = a.n_split;
    dec_last_plan.res_warp = use_warp && a.res_warp, dec_last_plan.ctas = use_warp ? a.plan_ctas : 0;
    dec_last_plan.rt = a.rt;
    int64_t n_items = (int64_t)(a.n_split + a.has_res) * items_per_split;
    if (n_items > 0x7fffffffLL) {
        ta_set_error("too many decode work items (%lld)", (long long)n_items);
        return TA_ERR_INVALID;
    }
    size_t items = (size_t)(n_items > 0 ? n_items : 1);
    size_t need = items * DEC_RT * ((size_t)D + 3) * sizeof(float);
    if (need > ds->scratch_bytes) {
        if (ds->scratch) TA_CUDA_TRY(cudaFree(ds->scratch)); /* synchronises: no kernel still reads it */
        ds->scratch = NULL, ds->scratch_bytes = 0;
        TA_CUDA_TRY(cudaMalloc((void **)&ds->scratch, need));
        ds->scratch_bytes = need;
    }
    if (items > ds->lb_items) {
        size_t bytes = items * DEC_RT * sizeof(unsigned long long) + DEC_COUNTERS * sizeof(unsigned);
        if (ds->lb_words) TA_CUDA_TRY(cudaFree(ds->lb_words));
        ds->lb_words = NULL, ds->lb_items = 0;
        TA_CUDA_TRY(cudaMalloc((void **)&ds->lb_words, bytes));
        TA_CUDA_TRY(cudaMemset(ds->lb_words, 0, bytes));
        ds->lb_items = items;
        ds->epoch = 0;
    }
    const int image = dec_image_find(D);
    if (a.res_warp && image < 0) {
        ta_set_error("internal error: no residual image kernel for head dim %d", D);
        return TA_ERR_INVALID;
    }
    if (a.res_warp) { /* the residual rows' image (dec_residual_image_kernel) */
        const int image_D = dec_image_table[image].image_D;
        size_t bytes = dec_image_bytes(a.B, a.H, image_D);
        if (bytes > ds->image_bytes) {
            if (ds->image) TA_CUDA_TRY(cudaFree(ds->image)); /* synchronises: no kernel still reads it */
            ds->image = NULL, ds->image_bytes = 0;
            TA_CUDA_TRY(cudaMalloc((void **)&ds->image, bytes));
            ds->image_bytes = bytes;
        }
        a.res = dec_image_carve(ds->image, a.B, a.H, image_D);
    }
    /* q's check words and event, each made once per GPU (a failed step is retried by the next call) */
    if (!ds->q_bad) {
        TA_CUDA_TRY(cudaMalloc((void **)&ds->q_bad, sizeof(unsigned)));
        TA_CUDA_TRY(cudaMemset(ds->q_bad, 0, sizeof(unsigned)));
    }
    if (!ds->q_bad_host) {
        TA_CUDA_TRY(cudaHostAlloc((void **)&ds->q_bad_host, 2 * sizeof(unsigned), cudaHostAllocMapped));
        ds->q_bad_host[0] = ds->q_bad_host[1] = 0;
    }
    if (!ds->q_bad_host_dev) TA_CUDA_TRY(cudaHostGetDevicePointer((void **)&ds->q_bad_host_dev, ds->q_bad_host, 0));
    if (!ds->q_event_made) {
        TA_CUDA_TRY(cudaEventCreateWithFlags(&ds->q_checked, cudaEventDisableTiming));
        ds->q_event_made = 1;
    }
    if (++ds->epoch == 0) { /* wrapped: old words could carry a new epoch */
        TA_CUDA_TRY(cudaMemsetAsync(ds->lb_words, 0, ds->lb_items * DEC_RT * sizeof(unsigned long long),
                                    cudaStreamLegacy));
        ds->epoch = 1;
    }
    /* q's check has a call counter of its own: `epoch` restarts whenever the look-back words grow. */
    if (++ds->q_call == 0) {
        TA_CUDA_TRY(cudaMemsetAsync(ds->q_bad, 0, sizeof(unsigned), cudaStreamLegacy));
        TA_CUDA_TRY(cudaStreamSynchronize(cudaStreamLegacy)); /* no kernel still writes the host words */
        ds->q_bad_host[0] = ds->q_bad_host[1] = 0;
        ds->q_call = 1;
    }
    const int pdl = ds->cc_major >= 9 && dec_pdl_allowed(DEC_PDL_CALL);
    /* A step's take_tokens and its first decode kernel are programmatic dependent launches: take_tokens waits for
     * the kernel before it (its grid starts as that one ends, without the launch's gap) and then lets the first
     * decode kernel start beside it. The residual rows' readers take the new rows from k_new and v_new
     * (dec_res_row). Each kernel launched so waits for the grid in front of it before it ends, so the combine still
     * follows take_tokens and reads its mark in q_bad. */
    const int pdl_take = take && ds->cc_major >= 9 && dec_pdl_allowed(DEC_PDL_STEP);
    /* A step's new tokens go first. Non-finite ones mark q_bad with this call's number, which every kernel below
     * reads before it writes, as for a non-finite q; the host learns which it was from take_tokens' own words. */
    if (take) {
        int st_take = ta_take_tokens_begin(take->k, take->v, take->rk, take->rv, take->row0, take->fill, ds->q_bad,
                                           ds->q_call, pdl_take && dec_pdl_allowed(DEC_PDL_TAKE), &take->ticket);
        if (st_take != TA_OK) return st_take;
        take->begun = 1;
    }
    a.part_acc = ds->scratch;
    a.part_ml = ds->scratch + items * DEC_RT * D;
    a.lb_word = ds->lb_words;
    a.ticket = (unsigned *)(ds->lb_words + ds->lb_items * DEC_RT);
    a.epoch = ds->epoch;
    a.n_sm = ds->sm_count > 0 ? ds->sm_count : 1;
    if (a.mixed) dec_set_classes(&a, kv->bits_host);
    a.item_base = 0;
    a.n_items = n_items;
    int64_t n_rows = (int64_t)a.B * a.Hq * a.Nq;
    if (n_rows > 0x7fffffffLL) {
        ta_set_error("too many query rows (%lld)", (long long)n_rows);
        return TA_ERR_INVALID;
    }
    a.q_bad = ds->q_bad, a.q_call = ds->q_call, a.q_host = ds->q_bad_host_dev;
    /* The counters start at zero (cudaMemset at allocation) and the combine kernel, last in the stream,
     * zeroes them again; a failed launch leaves that to the memset below. */
    unsigned *counters = a.ticket;
    int st = TA_OK;
    if (use_warp) {
        a.n_items = (int64_t)(a.n_split + a.res_warp) * items_per_split;
        if (a.res_warp) {
            const unsigned grid = 2u * (unsigned)(a.B * a.H); /* K and V of each (h, b) */
            cudaLaunchAttribute attr;
            const cudaLaunchConfig_t cfg = ta_launch_config(dim3(grid), dim3(DEC_IMAGE_THREADS), 0, pdl_take, &attr);
            st = TA_CUDA_CHECK(cudaLaunchKernelEx(&cfg, dec_image_table[image].kernel, a));
        }
        /* counters 0 .. DEC_TICKETS - 1 and DEC_CHECKED; checks q */
        if (st == TA_OK) st = dec_warp_launch(&a, dev, a.res_warp ? pdl : pdl_take);
        a.item_base = a.n_items; /* the CTA kernel's residual split, if any, below; its look-back sees the words above */
        a.n_items = a.has_res && !a.res_warp ? items_per_split : 0;
        a.bps = 1;
    } else {
        int64_t n_q = n_rows * D;
        dec_q_finite_kernel<<<(unsigned)((n_q + 255) / 256 < 1024 ? (n_q + 255) / 256 : 1024), 256>>>(
            a.q, a.Hq, a.Nq, D, n_q, a.q_call, ds->q_bad, ds->q_bad_host_dev);
        st = TA_CUDA_CHECK(cudaGetLastError());
        if (st == TA_OK) st = TA_CUDA_CHECK(cudaEventRecord(ds->q_checked, cudaStreamLegacy));
    }
    if (st == TA_OK && a.n_items > 0) {
        a.ticket = counters + DEC_TICKETS;
        st = dec_cta_launch(&a, D, use_warp && pdl);
    }
    /* after the residual split, whose launch must follow the warp kernel's directly to overlap it */
    if (st == TA_OK && use_warp) st = TA_CUDA_CHECK(cudaEventRecord(ds->q_checked, cudaStreamLegacy));

    comb_args c;
    c.B = a.B, c.Hq = a.Hq, c.Nq = a.Nq, c.H = a.H, c.D = D, c.ratio = a.ratio, c.n_tiles = a.n_tiles, c.rt = a.rt;
    c.n_items_split = a.n_split + a.has_res;
    c.part_acc = a.part_acc, c.part_ml = a.part_ml;
    c.out = out->data, c.out_dtype = (int)out->dtype;
    for (int i = 0; i < 4; i++) c.out_stride[i] = out->stride[i];
    c.lse = lse;
    c.ticket = counters;
    c.q_bad = ds->q_bad, c.q_call = a.q_call;
    c.free_splits = a.free_splits;
    if (st == TA_OK) {
        st = combine_launch(&c, n_rows, pdl);
    }
    if (st != TA_OK) {
        cudaMemsetAsync(counters, 0, DEC_COUNTERS * sizeof(unsigned), cudaStreamLegacy); /* best effort */
        return st;
    }
    /* Only q's check is waited for; the decode kernels keep running. */
    if (use_warp) {
        st = dec_wait_q_checked(ds, a.q_call);
        if (st != TA_OK) return st;
    } else {
        TA_CUDA_TRY(cudaEventSynchronize(ds->q_checked));
    }
    if (*(volatile unsigned *)ds->q_bad_host == a.q_call) {
        ta_set_error("q contains NaN, Inf or values beyond 2^48; " TA_INPUT_RANGE_TEXT);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

extern "C" int ta_attention_kv_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out,
                                    float *lse)
{
    int st = dec_check(p, q, kv, out);
    if (st != TA_OK) return st;
    if (q->shape[0] * q->shape[1] * q->shape[2] == 0) return TA_OK;
    int prev = 0;
    st = ta_device_enter(q->device_id, &prev);
    if (st != TA_OK) return st;
    pthread_mutex_lock(&dec_lock); /* the scratch and look-back words are shared; one stream keeps their uses ordered */
    st = dec_launch(p, q, kv, out, lse, NULL);
    pthread_mutex_unlock(&dec_lock);
    ta_device_leave(q->device_id, prev);
    return st;
}

extern "C" int ta_attention_kv_step_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv,
                                         const ta_view4 *out, float *lse, const ta_view4 *k_new, const ta_view4 *v_new,
                                         const char *const *names)
{
    int st = dec_check(p, q, kv, out);
    if (st != TA_OK) return st;
    const int64_t n = k_new->shape[2], row0 = kv->n_residual - n;
    if (n < 1 || row0 < 0 || k_new->device != TA_CUDA || v_new->device != TA_CUDA ||
        k_new->device_id != q->device_id || v_new->device_id != q->device_id) {
        ta_set_error("a decode step's new tokens must be 1 to %lld rows on q's GPU, counted in the cache's residual rows",
                     (long long)(DEC_BLOCK - 1));
        return TA_ERR_INVALID;
    }
    int prev = 0;
    st = ta_device_enter(q->device_id, &prev);
    if (st != TA_OK) return st;
    dec_take take = {k_new, v_new, &kv->residual_k, &kv->residual_v, row0, n, {0, 0u}, 0};
    pthread_mutex_lock(&dec_lock);
    if (q->shape[0] * q->shape[1] * q->shape[2] == 0) { /* nothing to attend; the tokens are still taken */
        st = ta_take_tokens_begin(k_new, v_new, take.rk, take.rv, row0, n, NULL, 0u, 0, &take.ticket);
        take.begun = st == TA_OK;
    } else {
        st = dec_launch(p, q, kv, out, lse, &take);
    }
    if (take.begun) { /* the tokens' answer comes first: their error replaces q's (the first message set stays) */
        char q_error[512] = ""; /* status.c's buffer */
        if (st != TA_OK) snprintf(q_error, sizeof q_error, "%s", ta_get_error()), ta_clear_error();
        const int st_take = ta_take_tokens_end(&take.ticket, names);
        if (st_take != TA_OK) st = st_take;
        else if (st != TA_OK) ta_set_error("%s", q_error);
    }
    pthread_mutex_unlock(&dec_lock);
    ta_device_leave(q->device_id, prev);
    return st;
}
