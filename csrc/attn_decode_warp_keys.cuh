/* Phase 1 of the warp decode kernel (attn_decode_warp.cu), the key side: a block's scores from the mma
 * accumulators to the score store, the keys' zero term, and the one-row and few-row forms, whose key steps
 * are on q's side as base-256 digits (wd_keys_one, wd_keys_few). Included by attn_decode_warp.cu only. */
#ifndef TA_ATTN_DECODE_WARP_KEYS_CUH
#define TA_ATTN_DECODE_WARP_KEYS_CUH

#include "attn_decode_warp_stage.cuh"

/* Scores of one block for query row r (< rows) from its accumulators (columns 2t, 2t + 1 of the 8
 * n-tiles: tokens 16t + e and 16t + 8 + e) plus the row's integer offset (q . z, or -128 sum(q) for the
 * x̂ + 128 form) into S_row[0..64); returns their maximum. */
__device__ __forceinline__ float wd_store_scores(const dec_args &a, const dec_rows *rs, int r, int64_t key0, float sk,
                                                 const int32_t acc[8][4], int half, int off, float *S_row)
{
    const int tq = threadIdx.x & 3;
    int n_valid = dec_n_valid(rs, r, key0, DEC_BLOCK);
    float qk_scale = rs->sq[r] * sk * a.score_scale;
    float v[16], mx = -INFINITY;
#pragma unroll
    for (int e = 0; e < 8; e++) {
        int t0 = 16 * tq + e;
        v[e] = t0 < n_valid ? (float)(acc[e][2 * half] + off) * qk_scale : -INFINITY;
        v[e + 8] = t0 + 8 < n_valid ? (float)(acc[e][2 * half + 1] + off) * qk_scale : -INFINITY;
        mx = fmaxf(mx, fmaxf(v[e], v[e + 8]));
    }
    float4 *dst = (float4 *)(S_row + 16 * tq);
#pragma unroll
    for (int k = 0; k < 4; k++) dst[k] = make_float4(v[4 * k], v[4 * k + 1], v[4 * k + 2], v[4 * k + 3]);
    return mx;
}

/* The clamp counts of the few-row forms to the lanes that subtract them. Lane (g, p) holds cnt[r][u] for token
 * (or channel) 8 g + 2 p + u of row r; after the mma lane (g, t) needs those of every p for its row t: out[u] gets
 * p's count as component p. Four shuffles a value, each lane keeping one, cost 111 of a four-row warp-block's
 * 1703 instructions in the value phase and 40 in the key phase (session 35). Here they pass through `xt`, 16 ra
 * 16-byte chunks of shared memory that no lane reads or writes meanwhile: chunk (g, u, r) holds the counts of row r
 * for p = 0 .. 3, lane (g, p) writes word p of it and lane (g, r) reads it whole. At four rows the chunks are
 * XOR-swizzled by g within g's own eight, so that the writes and a quarter warp's reads meet distinct banks; with 2
 * or 3 rows g owns 4 or 6 chunks, which an XOR could leave, so they stay in place. The caller orders the uses of xt
 * around it with __syncwarp. Outputs bit-equal to the shuffles' (session 35, run 11). */
__device__ __forceinline__ void wd_quad_exchange(const int cnt[4][2], int ra, int4 *xt, int4 out[2])
{
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    const int sw = ra == 4 ? (g >> 1) | ((g & 1) << 2) : 0;
#pragma unroll
    for (int u = 0; u < 2; u++)
#pragma unroll
        for (int r = 0; r < 4; r++)
            if (r < ra) ((int *)(xt + (((2 * g + u) * ra + r) ^ sw)))[tq] = cnt[r][u];
    __syncwarp();
#pragma unroll
    for (int u = 0; u < 2; u++) out[u] = tq < ra ? xt[((2 * g + u) * ra + tq) ^ sw] : make_int4(0, 0, 0, 0);
}

/* One-row forms: after S^T = K q^T or O^T = V^T P^T only the lanes (g, 0) hold useful sums, column 0 of the
 * four m-tiles (c[p][0]: element 8 g + 2 p, c[p][2]: 8 g + 2 p + 1). The float work per element would then
 * keep 24 of 32 lanes idle, so those lanes first pass their 8 integers through shared memory (at, 64 ints) and
 * every lane takes elements 2 lane and 2 lane + 1: the conversion and fold per element are the same
 * operations, done by a quarter of the instructions. Returns the lane's two integers. */
__device__ __forceinline__ int2 wd_spread_one(const int32_t c[][4], int *at)
{
    const int lane = threadIdx.x & 31;
    if ((lane & 3) == 0) {
        int4 *dst = (int4 *)(at + 2 * lane); /* 8 g */
        dst[0] = make_int4(c[0][0], c[0][2], c[1][0], c[1][2]);
        dst[1] = make_int4(c[2][0], c[2][2], c[3][0], c[3][2]);
    }
    __syncwarp();
    const int2 x = ((const int2 *)at)[lane];
    __syncwarp(); /* read before the next write */
    return x;
}

/* The scores for the one-row form of phase 1 (S^T = K q^T, wd_split with ONE), spread by wd_spread_one through
 * the row's own place in the score store: lane l stores tokens 2 l and 2 l + 1 to S_row and returns their
 * maximum. ex0 and ex1 are what the clamps take off those two tokens (wd_keys_one: lane l = (g, tq) counts tokens
 * 8 g + 2 tq = 2 l and 2 l + 1, the same two, so the counts need no shuffle; 0 without clamps). */
__device__ __forceinline__ float wd_store_scores_one(const dec_args &a, const dec_rows *rs, int64_t key0, float sk,
                                                     const int32_t c[8][4], int off, float *S_row, int ex0 = 0,
                                                     int ex1 = 0)
{
    const int lane = threadIdx.x & 31;
    const int2 d = wd_spread_one(c, (int *)S_row);
    const int n_valid = dec_n_valid(rs, 0, key0, DEC_BLOCK);
    const float qk_scale = rs->sq[0] * sk * a.score_scale;
    const int t = 2 * lane;
    const float v0 = t < n_valid ? (float)(d.x - ex0 + off) * qk_scale : -INFINITY;
    const float v1 = t + 1 < n_valid ? (float)(d.y - ex1 + off) * qk_scale : -INFINITY;
    ((float2 *)S_row)[lane] = make_float2(v0, v1);
    return fmaxf(v0, v1);
}

/* The keys' zero term q . z of one row: the lane's 8 KC channels (those of its steps and zeros), summed over
 * the 4 lanes of its quad. */
template <int KC> __device__ __forceinline__ int wd_zero_dot_k(const int8_t *qrow, const uint32_t ze[KC][2])
{
    const int tq = threadIdx.x & 3;
    int d = 0;
#pragma unroll
    for (int kk = 0; kk < KC; kk++)
#pragma unroll
        for (int hh = 0; hh < 2; hh++) d = __dp4a(*(const int *)(qrow + 32 * kk + 16 * hh + 4 * tq), (int)ze[kk][hh], d);
    d += __shfl_xor_sync(0xffffffffu, d, 1);
    return d + __shfl_xor_sync(0xffffffffu, d, 2);
}

/* Waits for a key block's copies (4 and 2 bits), then reads the lane's quad chunks from the stage: raw[kk][hh] is
 * segment g (tokens 8 g .. 8 g + 7) of channels 32 kk + 16 hh + 4 tq .. + 3 (wd_key_chunk). */
template <int BITS, int D>
__device__ __forceinline__ void wd_key_quads(const uint8_t *stage, uint4 raw[D / 32][2])
{
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    const uint8_t *kq = wd_key_chunk<BITS>(stage, tq, g); /* quads 8 kk + 4 hh + tq: + (8 kk + 4 hh) 32 BITS */
    ta_cp_async_wait<0>();
    __syncwarp(); /* every lane's copies of the block have landed */
#pragma unroll
    for (int kk = 0; kk < D / 32; kk++)
#pragma unroll
        for (int hh = 0; hh < 2; hh++) raw[kk][hh] = load_quad<BITS>(kq + (8 * kk + 4 * hh) * 32 * BITS);
}

/* S^T = K q^T of one block with the steps in B (the digit rows at brow, 32 channels per k-step): the codes
 * as A, m-tile p's rows g and g + 8 being tokens 8 g + 2 p and 8 g + 2 p + 1. acc[p] must start at zero. */
template <int BITS, int KC>
__device__ __forceinline__ void wd_key_digit_mma(const uint4 raw[KC][2], const int8_t *brow, int32_t acc[][4])
{
#pragma unroll
    for (int kk = 0; kk < KC; kk++) {
        const uint32_t b0 = *(const uint32_t *)(brow + 32 * kk), b1 = *(const uint32_t *)(brow + 32 * kk + 16);
        uint32_t u[2][8];
        code_quad<BITS>(raw[kk][0], u[0]);
        code_quad<BITS>(raw[kk][1], u[1]);
#pragma unroll
        for (int p = 0; p < 4; p++) {
            const uint32_t kt[4] = {u[0][2 * p], u[0][2 * p + 1], u[1][2 * p], u[1][2 * p + 1]};
            ta_mma_u8s8(acc[p], kt, b0, b1);
        }
    }
}

/* SPEC section 4's clamp with the key steps on q's side. For each channel c of the lanes in `clamp` (lane src
 * holds the steps s4 and zeros z4 of channels 4 src ..) with L s + z > 127, lane (g, tq) reads the channel's
 * codes from the stage and adds q_rc max(0, u s + z − 127) of tokens 8 g + 2 tq + u to ex[r][u], r < R. q_rc
 * comes from the q tile, or with QREG from the lanes' q4 registers (wd_keys_few with two quads). */
template <int BITS, int D, int R, bool QREG = false>
__device__ __forceinline__ void wd_key_clamps(const wd_smem &s, unsigned clamp, uint32_t s4, uint32_t z4, int ex[R][2],
                                              const uint32_t *q4 = nullptr, int c0 = 0)
{ /* c0: the staged half's first channel (D = 256), for q from the q tile */
    constexpr int QP = D + 16, L = (1 << BITS) - 1;
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    while (clamp) {
        const int src = __ffs(clamp) - 1;
        clamp &= clamp - 1;
        const uint32_t ss = __shfl_sync(0xffffffffu, s4, src), zz = __shfl_sync(0xffffffffu, z4, src);
        uint32_t qs[R] = {}; /* QREG: lane src's q codes of rows r (channels 4 src ..) from q4, by shuffles */
        if constexpr (QREG)
#pragma unroll
            for (int r = 0; r < R; r++) qs[r] = __shfl_sync(0xffffffffu, q4[r], src);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int st = (int)((ss >> (8 * i)) & 0xffu), ze = (int)(int8_t)(zz >> (8 * i));
            if (L * st + ze <= TA_INT8_MAX) continue;
            const uint8_t *chunk = wd_key_chunk<BITS>(s.stage, src, g); /* quad src, segment g */
            const int d0 = clamp_excess_u(quad_code<BITS>(chunk, i, 2 * tq), st, ze);
            const int d1 = clamp_excess_u(quad_code<BITS>(chunk, i, 2 * tq + 1), st, ze);
#pragma unroll
            for (int r = 0; r < R; r++) {
                const int qv = QREG ? (int)(int8_t)(qs[r] >> (8 * i)) : s.q8[r * QP + c0 + 4 * src + i];
                ex[r][0] += qv * d0, ex[r][1] += qv * d1;
            }
        }
    }
}

/* Phase 1 for one query row at 4 and 2 bits (wd_split with ONE): S^T = K q^T with the key steps on q's side
 * (code_quad). q_c s_c becomes two int8 digits (digits4), B's columns 0 and 1: rows 1 and 2 of the q tile,
 * read by the lanes g = 0 and 1 (row 3 stays zero for the others). Lane l makes the digits of channels
 * 4 l .. 4 l + 3 each block. A code clamps (SPEC section 4) only in a channel with L s + z > 127, about one
 * in a block: such channels are found by a ballot, and the lanes read their codes again from the stage
 * (before it is released) and count q_c max(0, u s + z − 127) for two tokens each, which is subtracted from
 * the scores' integers. At D = 256 a block comes as two staged halves (wd_sub): each half has its digits, clamps
 * and mma into the same accumulators, and its release issues the next half's copies. Returns the row's largest
 * score. */
template <int BITS, int D, int DR = D>
__device__ __forceinline__ float wd_keys_one(const dec_args &a, const wd_smem &s, wd_cursor cur, int64_t j0, int nb)
{
    constexpr int DH = wd_sub(D), NH = D / DH, KC = DH / 32, CB = 8 * BITS, KROWS = DH * CB, QP = D + 16;
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    /* the lane makes the digits of channels 4 lane .. 4 lane + 3 of each half; past DR (wd_lanes) none, and those
     * channels' digits stay the zeros dec_quantize_q_rows wrote */
    const bool mine = 4 * lane < (DR < DH ? DR : DH);
    uint32_t q4[NH];
#pragma unroll
    for (int hf = 0; hf < NH; hf++) q4[hf] = mine ? *(const uint32_t *)(s.q8 + DH * hf + 4 * lane) : 0u;
    int8_t *const dig = s.q8 + QP;
    const int8_t *const brow = s.q8 + (g == 0 ? 1 : g == 1 ? 2 : 3) * QP + 4 * tq;
    if (nb > 0) wd_stage_keys<BITS, D, true, DR>(a, s.stage, cur.kc, cur.grow);
    float rmax = -INFINITY;
    float sk_next = nb > 0 ? a.k_block_scale[cur.grow] : 0.0f; /* a block ahead, as wd_values' sv */
    for (int jb = 0; jb < nb; jb++) {
        const int64_t j = j0 + jb;
        const wd_cursor next = wd_cursor_next<DR>(a, cur);
        const float sk = sk_next;
        if (jb + 1 < nb) sk_next = a.k_block_scale[next.grow];
        int32_t acc[8][4]; /* m-tile p < 4: rows g, g + 8 are tokens 8 g + 2 p, 8 g + 2 p + 1 */
#pragma unroll
        for (int e = 0; e < 8; e++) acc[e][0] = acc[e][1] = acc[e][2] = acc[e][3] = 0;
        int ex[1][2] = {}, zdot = 0;
#pragma unroll
        for (int hf = 0; hf < NH; hf++) {
            uint4 raw[KC][2];
            wd_key_quads<BITS, DH>(s.stage, raw);
            const uint32_t s4 = mine ? *(const uint32_t *)(s.stage + KROWS + 4 * lane) : 0u;
            const uint32_t z4 = mine ? *(const uint32_t *)(s.stage + KROWS + DH + 4 * lane) : 0u;
            uint32_t w[4], lo, hi;
#pragma unroll
            for (int i = 0; i < 4; i++)
                w[i] = (uint32_t)((int)(int8_t)(q4[hf] >> (8 * i)) * (int)((s4 >> (8 * i)) & 0xffu) + 128);
            digits4(w, &lo, &hi); /* the first half's digit reads are done: wd_key_quads' __syncwarp */
            if (mine) *(uint32_t *)(dig + 4 * lane) = lo, *(uint32_t *)(dig + QP + 4 * lane) = hi;
            /* clamps: lane (g, tq) counts tokens 8 g + 2 tq and 8 g + 2 tq + 1 */
            const unsigned clamp = __ballot_sync(0xffffffffu, mine && lines_can_clamp<BITS>(s4, z4));
            if (clamp) wd_key_clamps<BITS, D, 1>(s, clamp, s4, z4, ex, nullptr, DH * hf);
            __syncwarp(); /* the stage is read and the digits are written */
            if (hf + 1 < NH) wd_stage_keys<BITS, D>(a, s.stage, cur.kc, cur.grow, hf + 1);
            else if (jb + 1 < nb) wd_stage_keys<BITS, D, true, DR>(a, s.stage, next.kc, next.grow);
            wd_key_digit_mma<BITS, KC>(raw, brow, acc);
            zdot = __dp4a((int)q4[hf], (int)z4, zdot);
        }
        const int off = warp_sum(zdot); /* q . z */
        int x[8]; /* element e = 2 p + u: m-tile p's row g (u = 0) or g + 8 */
#pragma unroll
        for (int p = 0; p < 4; p++) { /* column 0 + 256 column 1; the clamps come off after the spread */
            x[2 * p] = acc[p][0] + acc[p][1] * 256;
            x[2 * p + 1] = acc[p][2] + acc[p][3] * 256;
        }
        quad_sums<BITS>(x);
#pragma unroll
        for (int p = 0; p < 4; p++) acc[p][0] = x[2 * p], acc[p][2] = x[2 * p + 1];
        float *Sb = s.S + (size_t)jb * a.rows_alloc * DEC_BLOCK;
        rmax = fmaxf(rmax, wd_store_scores_one(a, s.rs, j * DEC_BLOCK, sk, acc, off, Sb, ex[0][0], ex[0][1]));
        cur = next;
    }
    return rmax;
}

/* Phase 1 for items of 2 to 4 rows at 4 and 2 bits, D = 64, 128 or 256 (wd_split with WD_FEW, NQ = 1), or of 5 to 8
 * (WD_FEW8, NQ = 2, rows_alloc 8, D = 128): wd_keys_one with B's 8 columns the digits of a quad of rows, column 2 n lo
 * of row 4 qd + n and column 2 n + 1 hi (rows past `rows` have zero q codes, so zero digits). With two quads the
 * block's codes serve both, one after the other (read from the stage again for the second: registers are short),
 * so only the digits, the mma and the fold are per row. The digit tile is 8 rows of DP bytes at q8 + 4 QP: q8's rows
 * 4..7, then the P tile, which phase 1 does not use (wd_split clears it afterwards). Lane l makes the digits of
 * channels 4 l .. 4 l + 3 (at D = 64 the lanes from 16 on make none: their q codes, steps and zeros stay 0); at
 * D = 256 of those of each staged half (wd_sub), whose digits, clamps and mma follow one another into the same
 * accumulators. q's codes are read into registers first, so with two quads the tile may cover q's rows 4..7 (the
 * clamps take q from the registers then). After the mma, lane (g, t) holds columns 2 t and 2 t + 1, the lo and hi
 * sums of row 4 qd + t, so every lane converts 8 scores of one row with no shuffle (the columns lo 0..3, hi 0..3 of
 * session 27 needed one shuffle a sum and left half the lanes idle; NOTES-decode, session 28). The zero terms q_r . z
 * are summed over the warp by a reduce-scatter. Returns the largest score of row `lane` in the lanes below 4 NQ. */
template <int BITS, int D, int NQ, int DR = D>
__device__ __forceinline__ float wd_keys_few(const dec_args &a, const wd_smem &s, wd_cursor cur, int64_t j0, int nb,
                                              int rows)
{
    static_assert(D == 256 || D == 128 || D == 64, "lane l makes the digits of channels 4 l .. 4 l + 3 (at D = 64 lanes < 16)");
    static_assert(NQ == 1 || NQ == 2, "one or two quads of rows");
    constexpr int DH = wd_sub(D), NH = D / DH, KC = DH / 32, QP = D + 16, DP = DH + 16, NR = 4 * NQ;
    static_assert(NH == 1 || NQ == 1, "one quad of rows at D = 256: the second would read a released half again");
    static_assert(4 * QP + 8 * DP <= 8 * QP + 8 * WD_PP, "the digit tile (from q8's row 4) ends inside the P tile");
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3; /* the lane's row in quad qd: 4 qd + tq */
    /* always at D = 128 (but past DR, wd_lanes); the other lanes' steps, zeros and q stay 0, and their channels'
     * digits the zeros dec_quantize_q_rows and wd_item wrote */
    const bool mine = 4 * lane < (DR < DH ? DR : DH);
    uint32_t q4[NH][NR];
#pragma unroll
    for (int hf = 0; hf < NH; hf++)
#pragma unroll
        for (int r = 0; r < NR; r++) q4[hf][r] = mine ? *(const uint32_t *)(s.q8 + r * QP + DH * hf + 4 * lane) : 0u;
    if (NQ > 1) __syncwarp(); /* every lane has q before the digit tile covers its rows 4..7 */
    int8_t *const dig = s.q8 + 4 * QP;
    const int8_t *const brow = dig + g * DP + 4 * tq;
    /* The stage holds the codes only (wd_form_stage_bytes): the lane's steps and zeros (channels 4 lane ..) are
     * loaded a block ahead into registers, as the block's scale is. */
    if (nb > 0) wd_stage_keys<BITS, D, false, DR>(a, s.stage, cur.kc, cur.grow);
    float mx[NQ];
#pragma unroll
    for (int qd = 0; qd < NQ; qd++) mx[qd] = -INFINITY;
    float sk_next = nb > 0 ? a.k_block_scale[cur.grow] : 0.0f; /* a block ahead, as wd_values' sv */
    uint32_t s4_next[NH] = {}, z4_next[NH] = {};
#pragma unroll
    for (int hf = 0; hf < NH; hf++)
        if (nb > 0 && mine) {
            s4_next[hf] = *(const uint32_t *)(a.k_group_step + cur.grow * DR + DH * hf + 4 * lane);
            z4_next[hf] = *(const uint32_t *)(a.k_group_zero + cur.grow * DR + DH * hf + 4 * lane);
        }
    for (int jb = 0; jb < nb; jb++) {
        const int64_t j = j0 + jb;
        const wd_cursor next = wd_cursor_next<DR>(a, cur);
        const float sk = sk_next;
        uint32_t s4[NH], z4[NH];
#pragma unroll
        for (int hf = 0; hf < NH; hf++) s4[hf] = s4_next[hf], z4[hf] = z4_next[hf];
        if (jb + 1 < nb) {
            sk_next = a.k_block_scale[next.grow];
#pragma unroll
            for (int hf = 0; hf < NH; hf++)
                if (mine) {
                    s4_next[hf] = *(const uint32_t *)(a.k_group_step + next.grow * DR + DH * hf + 4 * lane);
                    z4_next[hf] = *(const uint32_t *)(a.k_group_zero + next.grow * DR + DH * hf + 4 * lane);
                }
        }
        float *Sb = s.S + (size_t)jb * a.rows_alloc * DEC_BLOCK; /* this block's scores go there; until then it is free */
        unsigned clamp[NH] = {}; /* channels that can clamp, per half (the first quad's turn finds them) */
        bool clamped = false;
#pragma unroll
        for (int qd = 0; qd < NQ; qd++) {
            int32_t acc[4][4]; /* m-tile p: rows g, g + 8 are tokens 8 g + 2 p, 8 g + 2 p + 1 */
            int ex[4][2] = {};
            int4 kex[2] = {};
            int zd[4] = {}; /* q_r . z over the lane's channels, rows 4 qd + r */
#pragma unroll
            for (int hf = 0; hf < NH; hf++) {
                uint4 raw[KC][2];
                wd_key_quads<BITS, DH>(s.stage, raw); /* again for a second quad (registers are short) */
                if (qd == 0) {
                    clamp[hf] = __ballot_sync(0xffffffffu, lines_can_clamp<BITS>(s4[hf], z4[hf]));
                    clamped |= clamp[hf] != 0;
                }
                /* clamps (wd_keys_one): lane (g, tq) counts tokens 8 g + 2 tq and 8 g + 2 tq + 1 of the quad's rows from
                 * the stage, before it is released */
                if (clamp[hf]) wd_key_clamps<BITS, D, 4, (NQ > 1)>(s, clamp[hf], s4[hf], z4[hf], ex, q4[hf] + 4 * qd, DH * hf);
                /* the counts reach the lanes that subtract them through free score space: the block's own place with one
                 * quad, rows 4..7's with two (rows_alloc is 8 there; the last quad writes them) */
                if (hf == NH - 1 && clamped)
                    wd_quad_exchange(ex, NQ > 1 ? 4 : a.rows_alloc, (int4 *)(Sb + (NQ > 1 ? 4 * DEC_BLOCK : 0)), kex);
#pragma unroll
                for (int r = 0; r < 4; r++) {
                    const uint32_t qr = q4[hf][4 * qd + r];
                    uint32_t w[4], lo, hi;
#pragma unroll
                    for (int i = 0; i < 4; i++)
                        w[i] = (uint32_t)((int)(int8_t)(qr >> (8 * i)) * (int)((s4[hf] >> (8 * i)) & 0xffu) + 128);
                    digits4(w, &lo, &hi);
                    if (mine) {
                        *(uint32_t *)(dig + 2 * r * DP + 4 * lane) = lo;
                        *(uint32_t *)(dig + (2 * r + 1) * DP + 4 * lane) = hi;
                    }
                    zd[r] = __dp4a((int)qr, (int)z4[hf], zd[r]);
                }
                __syncwarp(); /* the stage is read and the digits are written */
                if (qd == NQ - 1) {
                    if (hf + 1 < NH) wd_stage_keys<BITS, D, false>(a, s.stage, cur.kc, cur.grow, hf + 1);
                    else if (jb + 1 < nb) wd_stage_keys<BITS, D, false, DR>(a, s.stage, next.kc, next.grow);
                }
                if (hf == 0)
#pragma unroll
                    for (int p = 0; p < 4; p++) acc[p][0] = acc[p][1] = acc[p][2] = acc[p][3] = 0;
                wd_key_digit_mma<BITS, KC>(raw, brow, acc);
            }
            int x[8]; /* row 4 qd + tq, token 8 g + e (e = 2 p + u): lo + 256 hi, less the clamps (counted by lane (g, p)) */
#pragma unroll
            for (int e = 0; e < 8; e++) x[e] = acc[e / 2][2 * (e % 2)] + 256 * acc[e / 2][2 * (e % 2) + 1];
            quad_sums<BITS>(x);
#pragma unroll
            for (int p = 0; p < 4; p++)
#pragma unroll
                for (int u = 0; u < 2; u++)
                    x[2 * p + u] -= p == 0 ? kex[u].x : p == 1 ? kex[u].y : p == 2 ? kex[u].z : kex[u].w; /* 0 unclamped */
            /* zero terms: rows 2 b4 + b3 end in the lanes with bits 4 and 3 = (b4, b3) */
            const bool b4 = lane & 16, b3 = lane & 8;
            const int e0 = (b4 ? zd[2] : zd[0]) + __shfl_xor_sync(0xffffffffu, b4 ? zd[0] : zd[2], 16);
            const int e1 = (b4 ? zd[3] : zd[1]) + __shfl_xor_sync(0xffffffffu, b4 ? zd[1] : zd[3], 16);
            int f = (b3 ? e1 : e0) + __shfl_xor_sync(0xffffffffu, b3 ? e0 : e1, 8);
            f += __shfl_xor_sync(0xffffffffu, f, 4);
            f += __shfl_xor_sync(0xffffffffu, f, 2);
            f += __shfl_xor_sync(0xffffffffu, f, 1);
            const int off = __shfl_sync(0xffffffffu, f, (tq >> 1) << 4 | (tq & 1) << 3); /* row tq's */
            if (clamped) __syncwarp(); /* every lane has read its counts */
            const int row = 4 * qd + tq;
            if (row < rows) { /* tokens 8 g + e */
                const int n_valid = dec_n_valid(s.rs, row, j * DEC_BLOCK, DEC_BLOCK);
                const float qk_scale = s.rs->sq[row] * sk * a.score_scale;
                float sc[8];
#pragma unroll
                for (int p = 0; p < 4; p++)
#pragma unroll
                    for (int u = 0; u < 2; u++) {
                        const int t = 8 * g + 2 * p + u;
                        sc[2 * p + u] = t < n_valid ? (float)(x[2 * p + u] + off) * qk_scale : -INFINITY;
                        mx[qd] = fmaxf(mx[qd], sc[2 * p + u]);
                    }
                float4 *dst = (float4 *)(Sb + row * DEC_BLOCK + 8 * g);
                dst[0] = make_float4(sc[0], sc[1], sc[2], sc[3]);
                dst[1] = make_float4(sc[4], sc[5], sc[6], sc[7]);
            }
        }
        cur = next;
    }
#pragma unroll
    for (int qd = 0; qd < NQ; qd++) /* lanes (g, t) hold row 4 qd + t's; over g */
#pragma unroll
        for (int o = 4; o <= 16; o <<= 1) mx[qd] = fmaxf(mx[qd], __shfl_xor_sync(0xffffffffu, mx[qd], o));
    return NQ > 1 && (lane & 4) ? mx[NQ - 1] : mx[0]; /* lane l < 4 NQ: (g, t) = (l / 4, l % 4), row 4 g + t = l */
}

#endif
