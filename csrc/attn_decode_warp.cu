/* SPEC section 5 on the GPU, tensor-core form: one warp per work item (split, row tile, batch, KV head),
 * no CTA barriers, so the blocks of many items are in flight on each SM at once.
 *
 * Both products are INT8 mma.sync m16n8k32 on the codes rebuilt by SPEC section 4's integer rule (as
 * INT8 + 128, unsigned): S = q8 . (k8 + 128) - 128 sum(q8) with q (s8) as A, and P . (v8 + 128) -
 * 128 sum(P) with the P codes (u8) as A, so the integers, and every float operation after them, are those
 * of the CTA kernel (attn_decode.cu) and of attn.c. The mma's row index is the query row (up to 16 per
 * item), the column index a token (q.k) or a channel (p.v), the reduction index a channel (q.k) or a
 * token (p.v). Items of one row turn both products around, and at 4 and 2 bits put the steps on q's and
 * P's side as two base-256 digits (wd_keys_one, wd_values with DIG; attn_decode_common.cuh).
 *
 * B fragments are built in registers: lane (g, t) = (lane / 4, lane % 4) holds for its B operand 4
 * consecutive reduction elements of one column. The lane reads 4 "lines" (4 key channels, or 4 value
 * tokens) of one 8-element segment each from the warp's stage, a shared-memory copy of the block (see
 * "the warp's staging buffer" below): key segment g is tokens 8g..8g+7 of a channel, value segment g
 * is channels 8g..8g+7 (+64 per group) of a token. rebuild_lines turns them into 8 registers, element e of
 * the segment in register e, which is column g of n-tile e (keys at 4 and 2 bits come as one quad chunk of
 * the 4 channels, already in that order: code_quad, or quad_lines for the lines). Keys: token of (n-tile e,
 * column n) is 8n + e;
 * values: channel of (n-tile 8G' + e, column n) is 8(n + 8G') + e. The A operands (q codes, P codes) come
 * from small per-warp tiles through ldmatrix. Each split first computes every block's scores (kept in
 * shared memory), publishes its row maxima and looks back for the running maximum (attn_decode_common.cuh),
 * then runs the softmax steps and p.v. */
#include "attn_decode_warp.cuh"
#include "attn_decode_warp_keys.cuh"
#include "attn_decode_warp_stage.cuh"
#include "cuda_common.cuh"

#include <stdlib.h>
#include <string.h>

/* The values' zero term p . z of one row and channel group: 16 of the block's tokens per lane of the quad. */
__device__ __forceinline__ int wd_zero_dot_v(const uint8_t *prow, const uint8_t *zrow)
{
    const int tq = threadIdx.x & 3;
    int d = 0;
#pragma unroll
    for (int k = 0; k < 4; k++)
        d = dp4a_us(*(const uint32_t *)(prow + 16 * tq + 4 * k), *(const uint32_t *)(zrow + 16 * tq + 4 * k), d);
    d += __shfl_xor_sync(0xffffffffu, d, 1);
    return d + __shfl_xor_sync(0xffffffffu, d, 2);
}

/* Byte offset of word wi (tokens 4 wi .. 4 wi + 3) of digit row n of group grp in wd_values' few-row digit
 * tile: rows of 64 bytes, words XOR-swizzled by n / 2, so that the lanes (g, t) reading row g, words
 * 8 kk + t (and + 4), hit 32 different banks. */
__device__ __forceinline__ int wd_digit_at(int grp, int n, int wi) { return grp * 512 + n * 64 + ((wi ^ (4 * (n >> 1))) << 2); }

/* Phase 2 of a split, from the running maximum of the earlier splits: per block the softmax step of every row
 * (dec_rows_step with LPR lanes per row) and p.v, then the split's partial results. A template on LPR, chosen
 * once per split (wd_split), so that the block loop holds one row step instead of a branch over five: ncu
 * showed "no instruction" and "branch resolving" stalls at 11 % and 4.5 % of the samples (NOTES-decode). */
template <int BITS, int D, bool HI, int LPR, bool FEW = false, int DR = D, int DO = DR, bool IMG = false>
__device__ __forceinline__ void wd_values(const dec_args &a, const wd_smem &s, wd_cursor cur, int64_t item, int64_t j0,
                                          int nb, int rows)
{
    constexpr int G = D / 64;
    constexpr bool FACT = BITS != 8;
    /* One query row (LPR = 32): the product is turned around, O^T = V^T P^T. The rebuilt value registers are
     * then the A fragments (16 channels of m-tile p: rows g and g + 8 are channels 8 g + 2 p and 8 g + 2 p + 1
     * of the group, k the same tokens), and the row's P codes the B fragment of column 0 (lanes g = 0; the
     * other columns are zero). Half the mma of the n-tile form, and the fold runs on 16 values per lane
     * instead of 32 (column 0 is in the lanes tq = 0, 2 channels per m-tile each). */
    constexpr bool ONE = LPR == 32 && !HI;
    /* DIG: one row at 4 and 2 bits, the value steps on P's side as in wd_keys_one: p_t s_t (<= 255·85) as two
     * uint8 digits, B's columns 0 and 1 of group G' in rows 1 + 2 G' and 2 + 2 G' of the P tile (row 5 stays
     * zero for the lanes g > 1); lane l makes those of tokens l and l + 32. Clamped codes are counted from
     * the stage before it is released (lane (g, tq): channels 8 g + 2 tq and 8 g + 2 tq + 1 of the group). */
    constexpr bool DIG = ONE && FACT;
    /* VD: 2 to 4 rows at 4 and 2 bits, D = 128 (the WD_FEW kernel): O^T = V^T P^T as for one row, with B's 8
     * columns the digits of the 4 rows (column 2 n lo of row n, 2 n + 1 hi), a tile of 8 rows of 64 bytes
     * per group in the q tile (free in phase 2), words XOR-swizzled by row so that the B loads are free of
     * bank conflicts. Lane l makes the digits of row l / 8, tokens 8 (l % 8) ..; after the mma lane (g, t)
     * holds both digits of row t, so it folds row t with no shuffle, as in wd_keys_few. Clamps: lane (g, tq)
     * counts channels 8 g + 2 tq and 8 g + 2 tq + 1 for the 4 rows from the stage before it is released. */
    constexpr bool VD = FEW && FACT;
    /* NQ: VD's quads of rows. With 5 to 8 rows (LPR = 4, the WD_FEW8 kernel) the block's codes serve two quads, one after
     * the other: each reads them from the stage, counts its clamps, makes its digit tile, mma and fold (as
     * wd_keys_few does); the stage is released after the last quad's reads. */
    constexpr int NQ = VD && LPR == 4 ? 2 : 1;
    static_assert(!FEW || (!HI && (D == 256 || D == 128 || D == 64) && LPR >= 4 && LPR < 32), "the few-row forms: 2 to 8 rows");
    /* D = 256: the block's two halves (groups 0-1, 2-3) are staged in turn (wd_sub); each half's codes are read, its
     * clamps counted and its groups' mma and folds run before the next half lands in the stage. */
    constexpr int DH = wd_sub(D), NH = D / DH, GH = DH / 64;
    static_assert(NH == 1 || ((DIG || VD || !FACT) && NQ == 1 && !HI), "D = 256: the one-row and few-row forms, and 8 bits");
    constexpr int L = (1 << BITS) - 1;
    /* accumulator tiles, values per tile; one row: channels 2 lane and 2 lane + 1 of each group (wd_spread_one) */
    constexpr int AT = ONE ? G : VD ? 4 * G * NQ : D / 8, AV = ONE ? 2 : (HI ? 4 : 2);
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    const int r0 = ONE ? 0 : g, r1 = g + 8; /* the rows this lane folds */
    const int ld_row = (lane & 7) + (HI ? 8 * ((lane >> 3) & 1) : 0), ld_col = 16 * (lane >> 4); /* as for q */
    /* ---- phase 2: softmax steps and p.v ---- */
    float acc[AT][AV];
#pragma unroll
    for (int nt = 0; nt < AT; nt++)
#pragma unroll
        for (int k = 0; k < AV; k++) acc[nt][k] = 0.0f;
    /* Per block: the steps' and zeros' global loads, then the softmax step and (one row) the P.s digits, which read
     * no stage and so run while the block's copies land; then the wait and the codes. Until session 36 the step
     * ran after the wait, between the two groups' loads, and delayed the next block's copies by its length
     * (-2 to -3.5 % at 4 bits moving it, NOTES-decode). */
    constexpr int PS = DH * BITS / 8, PAD = wd_pad(BITS); /* PS: a staged row's bytes */
    const uint8_t *vl = s.stage + tq * (4 * PS + PAD) + g * BITS; /* 8 bits: line (token 4 tq, segment g) */
    const uint8_t *vchunk[GH]; /* 4 and 2 bits: segment g of staged group sh of quad tq (quads 8 kk + 4 hh + tq: + their 4 PV) */
#pragma unroll
    for (int sh = 0; sh < GH; sh++) vchunk[sh] = wd_value_chunk<BITS, DH>(s.stage, tq, sh, g);
    constexpr int ZR = 2 * G + 1 > 5 ? 2 * G + 1 : 5; /* DIG: the P tile's zero row, B's columns past 1 */
    /* Each block's scale is loaded a block ahead: the step, which now starts the block, multiplies by it at its end,
     * too soon for a global load issued at the block's start (ncu: 8 % of the one-row form's stall samples). */
    float sv_next = nb > 0 ? a.v_block_scale[cur.grow] : 0.0f;
    for (int jb = 0; jb < nb; jb++) {
        const int64_t j = j0 + jb;
        const wd_cursor next = wd_cursor_next<DR>(a, cur);
        const float *Sb = s.S + (size_t)jb * a.rows_alloc * DEC_BLOCK;
        const float sv = sv_next;
        if (jb + 1 < nb) sv_next = a.v_block_scale[next.grow];
        uint32_t mst[2], mze[2]; /* steps and zeros of tokens lane and lane + 32, G bytes each */
#pragma unroll
        for (int k = 0; k < 2; k++) {
            const int64_t at = cur.vg + 32 * k * G;
            mst[k] = G == 4 ? *(const uint32_t *)(a.v_group_step + at)
                     : G == 2 ? *(const uint16_t *)(a.v_group_step + at) : a.v_group_step[at];
            mze[k] = G == 4 ? *(const uint32_t *)(a.v_group_zero + at)
                     : G == 2 ? *(const uint16_t *)(a.v_group_zero + at) : (uint8_t)a.v_group_zero[at];
        }
        uint2 raw[2][2][GH][4]; /* 8 bits: lines (tokens 32 kk + 16 hh + 4 tq + i, segment g) */
        uint4 vq[2][2][GH];     /* 4 and 2 bits: the same as one quad chunk (wd_value_chunk) */
        dec_rows_step<LPR, true>(a, s.rs, 0, rows, Sb, s.p8, WD_PP, j * DEC_BLOCK, DEC_BLOCK, sv);
        int pz[G] = {}; /* DIG: the zero term p . z of group G', lane's tokens (summed over the warp at use) */
        if constexpr (DIG) { /* the row's P codes were written by the same lanes (dec_rows_step, LPR = 32) */
#pragma unroll
            for (int k = 0; k < 2; k++) {
                const int t = lane + 32 * k, pt = s.p8[t];
#pragma unroll
                for (int gg = 0; gg < G; gg++) {
                    pz[gg] += pt * (int)(int8_t)(mze[k] >> (8 * gg));
                    const int w = pt * (int)((mst[k] >> (8 * gg)) & 0xffu);
                    s.p8[(1 + 2 * gg) * WD_PP + t] = (uint8_t)w;
                    s.p8[(2 + 2 * gg) * WD_PP + t] = (uint8_t)(w >> 8);
                }
            }
        }
        constexpr int CR = VD ? 4 : 1; /* rows the clamp counts are kept for: one quad at a time */
        unsigned vclamp = 0;
#pragma unroll
        for (int hf = 0; hf < NH; hf++) { /* the staged halves of a D = 256 block; otherwise once */
            ta_cp_async_wait<0>();
            __syncwarp(); /* every lane's copies of block j (half hf) have landed */
            if ((DIG || VD) && hf == 0) { /* P codes of every row are written (dec_rows_step ends with __syncwarp) */
                if constexpr (G == 4) { /* a token's four groups fill a word */
                    vclamp = __ballot_sync(0xffffffffu,
                                           lines_can_clamp<BITS>(mst[0], mze[0]) || lines_can_clamp<BITS>(mst[1], mze[1]));
                } else {
                    const int sh2 = 8 * G; /* two tokens' steps (zeros) in one word */
                    vclamp = __ballot_sync(0xffffffffu, lines_can_clamp<BITS>(mst[0] | mst[1] << sh2, mze[0] | mze[1] << sh2));
                }
            }
            const auto load_codes = [&]() { /* the lane's codes of the staged groups, from the stage */
#pragma unroll
                for (int sh = 0; sh < GH; sh++) {
#pragma unroll
                    for (int kk = 0; kk < 2; kk++)
#pragma unroll
                        for (int hh = 0; hh < 2; hh++) {
                            if constexpr (BITS < 8) {
                                vq[kk][hh][sh] = load_quad<BITS>(vchunk[sh] + (8 * kk + 4 * hh) * 4 * PS);
                            } else {
#pragma unroll
                                for (int i = 0; i < 4; i++) /* lines: tokens 32kk + 16hh + 4tq + i */
                                    raw[kk][hh][sh][i] = wd_line<BITS>(vl + (32 * kk + 16 * hh + i) * PS +
                                                                       (8 * kk + 4 * hh) * PAD + sh * 8 * BITS);
                            }
                        }
                }
            };
            /* lane (g, tq): channels 8 g + 2 tq + u of staged group sh (group GH hf + sh), rows r_first + r, read from the
             * stage */
            const auto count_clamps = [&](int vx[DIG || VD ? GH : 1][CR][2], int r_first) {
                for (unsigned m = vclamp; m; m &= m - 1) {
                    const int src = __ffs(m) - 1;
#pragma unroll
                    for (int k = 0; k < 2; k++) {
                        const uint32_t ms = __shfl_sync(0xffffffffu, mst[k], src), mz = __shfl_sync(0xffffffffu, mze[k], src);
#pragma unroll
                        for (int sh = 0; sh < GH; sh++) {
                            const int gg = GH * hf + sh;
                            const int st = (int)((ms >> (8 * gg)) & 0xffu), ze = (int)(int8_t)(mz >> (8 * gg));
                            if (L * st + ze <= TA_INT8_MAX) continue;
                            const int t = src + 32 * k;
                            const uint8_t *chunk = wd_value_chunk<BITS, DH>(s.stage, t >> 2, sh, g); /* token t % 4 of it */
                            const int d0 = clamp_excess_u(quad_code<BITS>(chunk, t & 3, 2 * tq), st, ze);
                            const int d1 = clamp_excess_u(quad_code<BITS>(chunk, t & 3, 2 * tq + 1), st, ze);
#pragma unroll
                            for (int r = 0; r < CR; r++) {
                                const int pr = s.p8[(r_first + r) * WD_PP + t];
                                vx[DIG || VD ? sh : 0][r][0] += pr * d0, vx[DIG || VD ? sh : 0][r][1] += pr * d1;
                            }
                        }
                    }
                }
            };
            int vx[DIG || VD ? GH : 1][CR][2] = {}; /* one quad: counted here; two: in each quad's turn */
            if constexpr (NQ == 1) {
                load_codes();
                if constexpr (DIG || VD) count_clamps(vx, 0);
                __syncwarp(); /* the stage is read: block j + 1 (or the next half) may overwrite it */
                if (hf + 1 < NH) wd_stage_values<BITS, D>(a, s.stage, cur.vc, hf + 1);
                else if (jb + 1 < nb) wd_stage_values<BITS, D, DR>(a, s.stage, next.vc);
            }
            if (hf == 0) {
#pragma unroll
                for (int k = 0; k < 2; k++)
#pragma unroll
                    for (int gg = 0; gg < G; gg++) {
                        if (DIG || IMG) continue; /* the steps are in the digits, the zeros in pz; IMG: none */
                        s.vstep[gg * DEC_BLOCK + lane + 32 * k] = (uint8_t)(mst[k] >> (8 * gg));
                        s.vzero[gg * DEC_BLOCK + lane + 32 * k] = (uint8_t)(mze[k] >> (8 * gg));
                    }
                __syncwarp(); /* P codes, row state and value steps written */
            }
#pragma unroll
            for (int qd = 0; qd < NQ; qd++) { /* VD: quad qd of the rows; otherwise once */
                uint32_t pa[2][4]; /* P as A; one row: pa[kk][0..1] is P^T as B (row 0's codes, tokens 32 kk + 4 tq ..) */
                uint32_t vb[GH][2][2]; /* DIG, VD: staged group sh and kk's B fragment, the digits */
                int voff[VD ? GH : 1]; /* VD: p_r . z of row tq */
                if constexpr (NQ > 1) { /* the codes again (registers are short), this quad's counts, then the stage's turn */
                    load_codes();
                    if (qd > 0)
#pragma unroll
                        for (int gg = 0; gg < GH; gg++)
#pragma unroll
                            for (int r = 0; r < CR; r++) vx[gg][r][0] = vx[gg][r][1] = 0;
                    count_clamps(vx, 4 * qd);
                    if (qd == NQ - 1) {
                        __syncwarp(); /* the stage is read: block j + 1 may overwrite it */
                        if (jb + 1 < nb) wd_stage_values<BITS, D, DR>(a, s.stage, next.vc);
                    }
                }
                if constexpr (VD) {
                    if (qd > 0 || hf > 0) __syncwarp(); /* the last quad's (half's) digit tile is read */
                    const int dr = lane >> 3, t0 = 8 * (lane & 7);
                    const uint2 pp = *(const uint2 *)(s.p8 + (4 * qd + dr) * WD_PP + t0);
                    uint8_t *const tile = (uint8_t *)s.q8;
#pragma unroll
                    for (int sh = 0; sh < GH; sh++) {
                        const int gg = GH * hf + sh;
                        const uint2 ss = *(const uint2 *)(s.vstep + gg * DEC_BLOCK + t0);
                        const uint2 zz = *(const uint2 *)(s.vzero + gg * DEC_BLOCK + t0);
                        int zd = dp4a_us(pp.x, zz.x, dp4a_us(pp.y, zz.y, 0));
                        zd += __shfl_xor_sync(0xffffffffu, zd, 1);
                        zd += __shfl_xor_sync(0xffffffffu, zd, 2);
                        zd += __shfl_xor_sync(0xffffffffu, zd, 4); /* row dr in lanes 8 dr .. */
                        voff[sh] = __shfl_sync(0xffffffffu, zd, 8 * tq);
#pragma unroll
                        for (int m = 0; m < 2; m++) {
                            const uint32_t pw = m ? pp.y : pp.x, sw = m ? ss.y : ss.x;
                            uint32_t w[4];
#pragma unroll
                            for (int i = 0; i < 4; i++) w[i] = ((pw >> (8 * i)) & 0xffu) * ((sw >> (8 * i)) & 0xffu);
                            const uint32_t x = __byte_perm(w[0], w[1], 0x5140), y = __byte_perm(w[2], w[3], 0x5140);
                            const int wi = 2 * (lane & 7) + m; /* word of tokens 4 wi .. 4 wi + 3 */
                            *(uint32_t *)(tile + wd_digit_at(sh, 2 * dr, wi)) = __byte_perm(x, y, 0x5410);
                            *(uint32_t *)(tile + wd_digit_at(sh, 2 * dr + 1, wi)) = __byte_perm(x, y, 0x7632);
                        }
                    }
                    __syncwarp(); /* the digit tile is written */
#pragma unroll
                    for (int sh = 0; sh < GH; sh++)
#pragma unroll
                        for (int kk = 0; kk < 2; kk++) {
                            vb[sh][kk][0] = *(const uint32_t *)(tile + wd_digit_at(sh, g, 8 * kk + tq));
                            vb[sh][kk][1] = *(const uint32_t *)(tile + wd_digit_at(sh, g, 8 * kk + 4 + tq));
                        }
                }
#pragma unroll
                for (int sh = 0; sh < (DIG ? GH : 0); sh++)
#pragma unroll
                    for (int kk = 0; kk < 2; kk++) {
                        const int gg = GH * hf + sh;
                        const uint8_t *row = s.p8 + (g == 0 ? 1 + 2 * gg : g == 1 ? 2 + 2 * gg : ZR) * WD_PP + 32 * kk + 4 * tq;
                        vb[sh][kk][0] = *(const uint32_t *)row, vb[sh][kk][1] = *(const uint32_t *)(row + 16);
                    }
#pragma unroll
                for (int kk = 0; kk < (DIG || VD ? 0 : 2); kk++) {
                    if (ONE) {
                        pa[kk][0] = g == 0 ? *(const uint32_t *)(s.p8 + 32 * kk + 4 * tq) : 0u;
                        pa[kk][1] = g == 0 ? *(const uint32_t *)(s.p8 + 32 * kk + 16 + 4 * tq) : 0u;
                        continue;
                    }
                    ta_ldmatrix_x4(pa[kk], ta_smem_addr(s.p8 + ld_row * WD_PP + 32 * kk + ld_col));
                    if (!HI) pa[kk][1] = pa[kk][3] = 0u;
                }
                int up0 = r0 < rows && s.rs->pvs[r0] >= 0.0f, up1 = HI && r1 < rows && s.rs->pvs[r1] >= 0.0f;
                float al0 = up0 ? s.rs->alpha[r0] : 1.0f, pv0 = up0 ? s.rs->pvs[r0] : 0.0f;
                float al1 = up1 ? s.rs->alpha[r1] : 1.0f, pv1 = up1 ? s.rs->pvs[r1] : 0.0f;
                const int vrow = 4 * qd + tq; /* VD: the lane's row */
                const int vup = VD && vrow < rows && s.rs->pvs[vrow] >= 0.0f;
                const float val = vup ? s.rs->alpha[vrow] : 1.0f, vpv = vup ? s.rs->pvs[vrow] : 0.0f;
                const unsigned long long vmask = FACT && !DIG && !VD ? wd_clamp_mask<BITS, 4 * G>(s.vstep, s.vzero) : 0;
#pragma unroll
                for (int sl = 0; sl < GH; sl++) {
                    const int sh = GH * hf + sl; /* the group; sl: its place in the stage */
                    /* VD: the clamp counts of group sh reach the lanes that fold them through the block's score place, which
                     * the step has read (wd_quad_exchange). */
                    int4 vex[2] = {};
                    if constexpr (VD) {
                        if (vclamp) {
                            __syncwarp(); /* group sh - 1's reads are done */
                            wd_quad_exchange(vx[VD ? sl : 0], NQ > 1 ? 4 : a.rows_alloc, (int4 *)Sb, vex);
                        }
                    }
                    /* p . x̂ = p . (u·s clamped) + p . z, or p . (x̂ + 128) - 128 sum(p) */
                    const int off0 = VD    ? 0
                                     : DIG ? warp_sum(pz[sh])
                                     : FACT ? wd_zero_dot_v(s.p8 + r0 * WD_PP, s.vzero + sh * DEC_BLOCK)
                                            : -(IMG ? 127 : 128) * s.rs->psum[r0];
                    const int off1 = !HI    ? 0
                                     : FACT ? wd_zero_dot_v(s.p8 + r1 * WD_PP, s.vzero + sh * DEC_BLOCK)
                                            : -(IMG ? 127 : 128) * s.rs->psum[r1];
                    int32_t c[8][4]; /* n-tile e, or (one row) m-tile e < 4 */
#pragma unroll
                    for (int e = 0; e < 8; e++) c[e][0] = c[e][1] = c[e][2] = c[e][3] = 0;
#pragma unroll
                    for (int kk = 0; kk < 2; kk++) {
                        uint32_t bo[2][8];
#pragma unroll
                        for (int hh = 0; hh < 2; hh++) {
                            if constexpr (DIG || VD) { /* the steps are in the digits (vb) */
                                code_quad<BITS>(vq[kk][hh][sl], bo[hh]);
                            } else {
                                if constexpr (BITS < 8) quad_lines<BITS>(vq[kk][hh][sl], raw[kk][hh][sl]);
                                int t0 = sh * DEC_BLOCK + 32 * kk + 16 * hh + 4 * tq; /* = 16 gi + 4 tq, gi = 4 sh + 2 kk + hh */
                                const uint32_t vs = *(const uint32_t *)(s.vstep + t0), vz = *(const uint32_t *)(s.vzero + t0);
                                if (!FACT) {
                                    if constexpr (IMG) image_lines(raw[kk][hh][sl], bo[hh]);
                                    else rebuild_lines<BITS>(raw[kk][hh][sl], vs, vz, bo[hh]);
                                    continue;
                                }
                                scale_lines<BITS>(raw[kk][hh][sl], vs, bo[hh]);
                                if ((vmask >> (4 * (4 * sh + 2 * kk + hh))) & 0xFu) clamp_lines(vz, bo[hh]);
                            }
                        }
                        if constexpr (ONE || VD) {
                            uint32_t b0, b1;
                            if constexpr (DIG || VD) b0 = vb[sl][kk][0], b1 = vb[sl][kk][1];
                            else b0 = pa[kk][0], b1 = pa[kk][1];
#pragma unroll
                            for (int p = 0; p < 4; p++) {
                                const uint32_t vt[4] = {bo[0][2 * p], bo[0][2 * p + 1], bo[1][2 * p], bo[1][2 * p + 1]};
                                ta_mma_u8u8(c[p], vt, b0, b1);
                            }
                        } else {
#pragma unroll
                            for (int e = 0; e < 8; e++) ta_mma_u8u8(c[e], pa[kk], bo[0][e], bo[1][e]);
                        }
                    }
                    if constexpr (ONE) { /* column 0: c[p][0] is channel 8 g + 2 p of the group, c[p][2] channel 8 g + 2 p + 1 */
                        if constexpr (DIG) { /* column 0 + 256 column 1 of m-tile p's row g (element 2 p) and g + 8 */
                            int x[8];
#pragma unroll
                            for (int p = 0; p < 4; p++)
                                x[2 * p] = c[p][0] + c[p][1] * 256, x[2 * p + 1] = c[p][2] + c[p][3] * 256;
                            quad_sums<BITS>(x);
#pragma unroll
                            for (int p = 0; p < 4; p++) c[p][0] = x[2 * p], c[p][2] = x[2 * p + 1];
                        }
                        /* the block's scores were read by the step: their place holds the group's 64 integers. Lane l now
                         * holds channels 2 l and 2 l + 1, whose clamps lane l = (g, tq) counted (channels 8 g + 2 tq + u), so
                         * they come off here with no shuffle (DIG; 0 without clamps). */
                        int2 x = wd_spread_one(c, (int *)Sb);
                        if constexpr (DIG) x.x -= vx[DIG ? sl : 0][0][0], x.y -= vx[DIG ? sl : 0][0][1];
                        float *o = acc[sh];
                        if (up0) {
                            o[0] = __fadd_rn(__fmul_rn(al0, o[0]), __fmul_rn((float)(x.x + off0), pv0));
                            o[1] = __fadd_rn(__fmul_rn(al0, o[1]), __fmul_rn((float)(x.y + off0), pv0));
                        }
                    } else if constexpr (VD) { /* lane (g, t): c[p][2 u] lo, c[p][2 u + 1] hi of channel 8 g + 2 p + u, row t */
                        int xs[8];
#pragma unroll
                        for (int e = 0; e < 8; e++) xs[e] = c[e / 2][2 * (e % 2)] + 256 * c[e / 2][2 * (e % 2) + 1];
                        quad_sums<BITS>(xs);
#pragma unroll
                        for (int p = 0; p < 4; p++)
#pragma unroll
                            for (int u = 0; u < 2; u++) {
                                /* less the clamps, counted by lane (g, p) for every row (zero without clamps) */
                                const int x =
                                    xs[2 * p + u] - (p == 0 ? vex[u].x : p == 1 ? vex[u].y : p == 2 ? vex[u].z : vex[u].w);
                                if (vup) {
                                    float *o = &acc[4 * G * qd + 4 * sh + p][u];
                                    *o = __fadd_rn(__fmul_rn(val, *o), __fmul_rn((float)(x + voff[VD ? sl : 0]), vpv));
                                }
                            }
                    } else {
#pragma unroll
                        for (int e = 0; e < 8; e++) {
                            float *o = acc[8 * sh + e];
                            if (up0) {
                                o[0] = __fadd_rn(__fmul_rn(al0, o[0]), __fmul_rn((float)(c[e][0] + off0), pv0));
                                o[1] = __fadd_rn(__fmul_rn(al0, o[1]), __fmul_rn((float)(c[e][1] + off0), pv0));
                            }
                            if (HI && up1) {
                                o[HI ? 2 : 0] =
                                    __fadd_rn(__fmul_rn(al1, o[HI ? 2 : 0]), __fmul_rn((float)(c[e][2] + off1), pv1));
                                o[HI ? 3 : 1] =
                                    __fadd_rn(__fmul_rn(al1, o[HI ? 3 : 1]), __fmul_rn((float)(c[e][3] + off1), pv1));
                            }
                        }
                    }
                }
            }
        } /* the halves */
        __syncwarp(); /* the next block rewrites the P codes, row state and value steps */
        cur = next;
    }

    /* rows of DO channels (the head dim); the lanes' channels past DO (wd_lanes) are not written */
    float *pa_out = a.part_acc + item * DEC_RT * DO;
    if constexpr (VD) {
#pragma unroll
        for (int qd = 0; qd < NQ; qd++)
            if (4 * qd + tq < rows)
#pragma unroll
                for (int sh = 0; sh < G; sh++)
#pragma unroll
                    for (int p = 0; p < 4; p++) {
                        const float *o = acc[4 * G * qd + 4 * sh + p];
                        const int ch = 64 * sh + 8 * g + 2 * p;
                        if (DO == D || ch < DO) *(float2 *)(pa_out + (4 * qd + tq) * DO + ch) = make_float2(o[0], o[1]);
                    }
    } else if constexpr (ONE) {
        if (rows > 0)
#pragma unroll
            for (int sh = 0; sh < G; sh++)
                if (DO == D || 64 * sh + 2 * lane < DO)
                    *(float2 *)(pa_out + 64 * sh + 2 * lane) = make_float2(acc[sh][0], acc[sh][1]);
    } else {
#pragma unroll
        for (int sh = 0; sh < G; sh++)
#pragma unroll
            for (int e = 0; e < 8; e++)
#pragma unroll
                for (int cc = 0; cc < 2; cc++) {
                    int ch = 8 * (2 * tq + cc + 8 * sh) + e;
                    if (DO != D && ch >= DO) continue;
                    if (r0 < rows) pa_out[r0 * DO + ch] = acc[8 * sh + e][cc];
                    if (HI && r1 < rows) pa_out[r1 * DO + ch] = acc[8 * sh + e][HI ? 2 + cc : cc];
                }
    }
    if (lane < rows) {
        float *ml = a.part_ml + (item * DEC_RT + lane) * 3;
        ml[0] = s.rs->m[lane], ml[1] = s.rs->l[lane], ml[2] = s.rs->aprod[lane];
    }
}

/* One split: phase 1 (scores, publish, look back), phase 2 (softmax steps, dec_rows_step, and p.v), partial
 * results. Blocks j0 .. j0 + nb - 1 of the sequence, read from blocks jc .. of the cache `a` describes (jc = j0;
 * 0 for the residual rows' image, wd_residual_args). D: the lanes' head dim; DR: the head dim of the cache read (D's,
 * or 80, 96 and 112 on D = 128's lanes and 32 and 48 on D = 64's: wd_lanes); DO: that of the partial results (DR's,
 * but a padded head dim's for its residual image, a D-channel block). */
template <int BITS, int D, bool HI, int FORM, int DR = D, int DO = DR, bool IMG = false>
__device__ __forceinline__ void wd_split(const dec_args &a, const wd_smem &s, int64_t item, int split, int tile, int b,
                                         int h, int64_t j0, int64_t jc, int nb, int rows)
{
    constexpr int KC = D / 32, QP = D + 16, CB = DEC_BLOCK * BITS / 8;
    constexpr int DH = wd_sub(D), NH = D / DH, KH = DH / 32; /* a stage fill's channels, fills a block, k-steps a fill */
    constexpr bool FACT = BITS != 8; /* u·s products and zero sums (scale_lines); 8 bits: x̂ + 128 (rebuild_lines) */
    constexpr bool ONE = FORM == WD_ONE, KFEW = (FORM == WD_FEW || FORM == WD_FEW8) && FACT; /* phase 1 by wd_keys_few */
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    const int r0 = ONE ? 0 : g, r1 = g + 8; /* the lane's accumulator rows */
    /* ldmatrix x4 address; with an 8-row tile, matrices 1 and 3 (rows 8-15) are replaced by zeros */
    const int ld_row = (lane & 7) + (HI ? 8 * ((lane >> 3) & 1) : 0), ld_col = 16 * (lane >> 4);

    /* q as A; one row (ONE), q^T as B instead: qa[kk][0..1] is column 0, row 0's codes of channels
     * 32 kk + 4 tq .. and 32 kk + 16 + 4 tq .., in the lanes g = 0 (the product is S^T = K q^T, as wd_values
     * turns p.v around) */
    uint32_t qa[KC][4];
#pragma unroll
    for (int kk = 0; kk < KC; kk++) {
        if (ONE) {
            qa[kk][0] = g == 0 ? *(const uint32_t *)(s.q8 + 32 * kk + 4 * tq) : 0u;
            qa[kk][1] = g == 0 ? *(const uint32_t *)(s.q8 + 32 * kk + 16 + 4 * tq) : 0u;
            continue;
        }
        ta_ldmatrix_x4(qa[kk], ta_smem_addr(s.q8 + ld_row * QP + 32 * kk + ld_col));
        if (!HI) qa[kk][1] = qa[kk][3] = 0u;
    }

    /* ---- phase 1: q.k of every block ----
     * Block j's lines, steps and zeros are read from the stage into registers first; then the copies of
     * block j + 1 are issued into it, and they land while this block is computed. */
    constexpr int KROWS = DH * CB;
    const uint8_t *kl = BITS == 8 ? s.stage + tq * CB + g * BITS  /* line (channel 4 tq, segment g): row tq */
                                  : wd_key_chunk<BITS>(s.stage, tq, g); /* quad tq's segment g (wd_key_chunk) */
    const wd_cursor first = wd_cursor_at<BITS, DR>(a, h, b, jc);
    wd_cursor cur = first;
    float rmax0 = -INFINITY, rmax1 = -INFINITY;
    static_assert(DR == D || ONE || FORM == WD_FEW, "the padded head dims: the one-row and few-row forms");
    if constexpr (ONE && FACT) {
        rmax0 = wd_keys_one<BITS, D, DR>(a, s, first, j0, nb);
    } else if constexpr (KFEW) {
        rmax0 = wd_keys_few<BITS, D, FORM == WD_FEW8 ? 2 : 1, DR>(a, s, first, j0, nb, rows); /* row `lane`'s */
    } else if (nb > 0) {
        wd_stage_keys<BITS, D, true, DR>(a, s.stage, first.kc, first.grow);
    }
    for (int jb = 0; jb < ((ONE && FACT) || KFEW ? 0 : nb); jb++) {
        const int64_t j = j0 + jb;
        const wd_cursor next = wd_cursor_next<DR>(a, cur);
        const float sk = a.k_block_scale[cur.grow]; /* used at the end of the block */
        int32_t acc[8][4];
        int off0 = 0, off1 = 0; /* the zero terms of the staged halves (4 and 2 bits) */
#pragma unroll
        for (int hf = 0; hf < NH; hf++) { /* D = 256: the block's staged halves (the residual rows' image) */
            uint2 raw[KH][2][4];
            uint32_t st[KH][2], ze[KH][2];
            ta_cp_async_wait<0>();
            __syncwarp(); /* every lane's copies of block j (half hf) have landed */
#pragma unroll
            for (int kk = 0; kk < KH; kk++)
#pragma unroll
                for (int hh = 0; hh < 2; hh++) {
                    int c0 = 32 * kk + 16 * hh + 4 * tq; /* lines c0..c0+3: channels */
                    st[kk][hh] = *(const uint32_t *)(s.stage + KROWS + c0);
                    ze[kk][hh] = *(const uint32_t *)(s.stage + KROWS + DH + c0);
                    if (BITS == 8) {
#pragma unroll
                        for (int i = 0; i < 4; i++)
                            raw[kk][hh][i] = wd_line<BITS>(kl + (i * (DH / 4) + 8 * kk + 4 * hh) * CB);
                    } else { /* the quad's rows interleaved: one chunk, split back into lines for scale_lines */
                        quad_lines<BITS>(load_quad<BITS>(kl + (8 * kk + 4 * hh) * 4 * CB), raw[kk][hh]);
                    }
                }
            const unsigned long long cmask = FACT ? wd_clamp_mask<BITS, 2 * KH>(s.stage + KROWS, s.stage + KROWS + DH) : 0;
            __syncwarp(); /* the stage is read: block j + 1 (or the next half) may overwrite it */
            if (hf + 1 < NH) wd_stage_keys<BITS, D>(a, s.stage, cur.kc, cur.grow, hf + 1);
            else if (jb + 1 < nb) wd_stage_keys<BITS, D, true, DR>(a, s.stage, next.kc, next.grow);
            if (hf == 0)
#pragma unroll
                for (int e = 0; e < 8; e++) acc[e][0] = acc[e][1] = acc[e][2] = acc[e][3] = 0;
#pragma unroll
            for (int kk = 0; kk < KH; kk++) {
                const int kq = KH * hf + kk; /* q's k-step */
                uint32_t bo[2][8];
#pragma unroll
                for (int hh = 0; hh < 2; hh++) {
                    if (!FACT) {
                        if constexpr (IMG) image_lines(raw[kk][hh], bo[hh]);
                        else rebuild_lines<BITS>(raw[kk][hh], st[kk][hh], ze[kk][hh], bo[hh]);
                        continue;
                    }
                    scale_lines<BITS>(raw[kk][hh], st[kk][hh], bo[hh]);
                    if ((cmask >> (4 * (2 * kk + hh))) & 0xFu) clamp_lines(ze[kk][hh], bo[hh]);
                }
                if constexpr (ONE) { /* m-tile p: rows g, g + 8 are tokens 8 g + 2 p, 8 g + 2 p + 1 */
#pragma unroll
                    for (int p = 0; p < 4; p++) {
                        const uint32_t kt[4] = {bo[0][2 * p], bo[0][2 * p + 1], bo[1][2 * p], bo[1][2 * p + 1]};
                        ta_mma_u8s8(acc[p], kt, qa[kq][0], qa[kq][1]);
                    }
                } else {
#pragma unroll
                    for (int e = 0; e < 8; e++) ta_mma_s8u8(acc[e], qa[kq], bo[0][e], bo[1][e]);
                }
            }
            /* q . x̂ = q . (u·s clamped) + q . z, or q . (x̂ + 128) - 128 sum(q) */
            if (FACT) off0 += wd_zero_dot_k<KH>(s.q8 + r0 * QP + DH * hf, ze);
            if (FACT && HI) off1 += wd_zero_dot_k<KH>(s.q8 + r1 * QP + DH * hf, ze);
        }
        constexpr int BIAS = IMG ? 127 : 128; /* image_lines: codes u = x̂ + 127 */
        if (!FACT) off0 = -BIAS * s.rs->qsum[r0], off1 = HI ? -BIAS * s.rs->qsum[r1] : 0;
        float *Sb = s.S + (size_t)jb * a.rows_alloc * DEC_BLOCK;
        if (ONE) rmax0 = fmaxf(rmax0, wd_store_scores_one(a, s.rs, j * DEC_BLOCK, sk, acc, off0, Sb));
        else if (r0 < rows) rmax0 = fmaxf(rmax0, wd_store_scores(a, s.rs, r0, j * DEC_BLOCK, sk, acc, 0, off0, Sb + r0 * DEC_BLOCK));
        if (HI && r1 < rows) rmax1 = fmaxf(rmax1, wd_store_scores(a, s.rs, r1, j * DEC_BLOCK, sk, acc, 1, off1, Sb + r1 * DEC_BLOCK));
        cur = next;
    }
    if constexpr (KFEW) {
        if (lane < rows) dec_publish_max(a, item, lane, rmax0);
        __syncwarp(); /* the digit tile's last reads are done */
        for (int i = lane; i < wd_p_rows(D, HI) * WD_PP / 4; i += 32) ((uint32_t *)s.p8)[i] = 0; /* the digit tile's end */
        __syncwarp();
    } else {
    #pragma unroll
        for (int o = 1; o <= (ONE ? 16 : 2); o <<= 1) /* ONE: the warp (wd_store_scores_one); else each quad */
            rmax0 = fmaxf(rmax0, __shfl_xor_sync(0xffffffffu, rmax0, o));
        rmax1 = fmaxf(rmax1, __shfl_xor_sync(0xffffffffu, rmax1, 1));
        rmax1 = fmaxf(rmax1, __shfl_xor_sync(0xffffffffu, rmax1, 2));
        if ((ONE ? lane == 0 : tq == 0) && r0 < rows) dec_publish_max(a, item, r0, rmax0);
        if (HI && tq == 0 && r1 < rows) dec_publish_max(a, item, r1, rmax1);
    }
    /* made again rather than kept across phase 1, where its registers are short */
    const wd_cursor vfirst = wd_cursor_at<BITS, DR>(a, h, b, jc);
    if (nb > 0) wd_stage_values<BITS, D, DR>(a, s.stage, vfirst.vc); /* lands during the look-back */
    dec_look_back(a, s.rs, split, tile, b, h, rows);
    __syncwarp();

    /* ---- phase 2 ---- */
    if constexpr (ONE) {
        wd_values<BITS, D, false, 32, false, DR, DO, IMG>(a, s, vfirst, item, j0, nb, rows);
    } else if constexpr (KFEW) {
        if constexpr (FORM == WD_FEW8) wd_values<BITS, D, HI, 4, true, DR, DO>(a, s, vfirst, item, j0, nb, rows);
        else if (rows <= 2) wd_values<BITS, D, HI, 16, true, DR, DO>(a, s, vfirst, item, j0, nb, rows);
        else wd_values<BITS, D, HI, 8, true, DR, DO>(a, s, vfirst, item, j0, nb, rows);
    } else { /* the general form: 8 bits in the few-row kernels (padded head dims: items of up to 4 rows) */
        if (rows <= 1) wd_values<BITS, D, HI, 32, false, DR, DO, IMG>(a, s, vfirst, item, j0, nb, rows);
        else if (rows <= 2) wd_values<BITS, D, HI, 16, false, DR, DO, IMG>(a, s, vfirst, item, j0, nb, rows);
        else if (rows <= 4) wd_values<BITS, D, HI, 8, false, DR, DO, IMG>(a, s, vfirst, item, j0, nb, rows);
        else if constexpr (DR == D) {
            if (!HI || rows <= 8) wd_values<BITS, D, HI, 4, false, D, DO, IMG>(a, s, vfirst, item, j0, nb, rows);
            else if constexpr (HI) wd_values<BITS, D, HI, 2, false, D, DO, IMG>(a, s, vfirst, item, j0, nb, rows);
        }
    }
}

/* Mixed caches: work items come from counters, one per bit-width class (4-bit heads, 2-bit, 8-bit), and each SM prefers
 * one class: the SMs are shared out in proportion to the classes' item counts, and a warp whose class has
 * run out takes the next class. In a mixed cache an SM then runs one width's code: with the widths
 * interleaved, their loops thrashed the instruction cache (ncu, stall "no instruction" 2.84 against 0.52
 * cycles per issue; NOTES-decode). Within a class tickets run split-major, head fastest, so for one head
 * lower splits keep lower tickets and a look-back only waits on warps that already started. The classes'
 * heads and SM shares come from the host (dec_set_classes): worked out here with ballots over the heads,
 * they cost the kernel registers, and its hot loops spilled more (ptxas: 520/684 against 324/352 bytes).
 * Returns false when every class has run out. */
__device__ __forceinline__ bool wd_take_item(const dec_args &a, int *split, int *tile, int *b, int *h)
{
    const int lane = threadIdx.x & 31;
    const unsigned per_head = (unsigned)(a.n_items / a.H); /* item counts fit 31 bits (dec_launch checks) */
    unsigned smid;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(smid));
    const int sm = (int)(smid % a.n_sm), pref = sm < a.cls_sm_end[0] ? 0 : sm < a.cls_sm_end[1] ? 1 : 2;
    unsigned pick = 0, ticket = 0;
    if (lane == 0) {
        pick = 3;
        for (int k = 0; k < 3 && pick == 3; k++) {
            int c = (pref + k) % 3;
            if (a.cls_count[c] == 0) continue;
            ticket = atomicAdd(a.ticket + c, 1u);
            if (ticket < (unsigned)a.cls_count[c] * per_head) pick = (unsigned)c;
        }
    }
    const int c = (int)__shfl_sync(0xffffffffu, pick, 0);
    const unsigned l = __shfl_sync(0xffffffffu, ticket, 0);
    if (c == 3) return false;
    const unsigned n = (unsigned)a.cls_count[c], nb = n * (unsigned)a.B;
    *h = a.cls_heads[a.cls_start[c] + (int)(l % n)];
    *b = (int)(l / n % (unsigned)a.B);
    *tile = (int)(l / nb % (unsigned)a.n_tiles);
    *split = (int)(a.item_base / ((int64_t)a.n_tiles * a.B * a.H)) + (int)(l / (nb * (unsigned)a.n_tiles));
    return true;
}

/* q's NaN/Inf check (SPEC section 1), done here rather than by a kernel of its own in front: that one cost a launch
 * and its gap, 6-10 us of a 0.1 ms step (NOTES-decode, session 10). Each q row belongs to exactly one work item of
 * split 0. A warp that finds NaN or Inf in its rows marks the call in the device word, which the later kernels
 * read, and in the mapped host word; the last item of split 0 to count itself sets the host's "checked" word, so
 * the host can raise or return while the kernel runs on (dec_launch). The fences order a mark before the count
 * and the count before "checked". Every split of an item quantizes the same rows, so all of them return on a
 * bad row, and none waits in a look-back for a split that returned. */
__device__ __forceinline__ void wd_check_q(const dec_args &a, int split, bool bad)
{
    if (split != 0 || (threadIdx.x & 31) != 0) return;
    if (bad) {
        *(volatile unsigned *)a.q_bad = a.q_call;
        *(volatile unsigned *)a.q_host = a.q_call;
    }
    __threadfence_system();
    if (atomicAdd(a.ticket + DEC_CHECKED, 1u) == (unsigned)(a.n_tiles * a.B * a.H) - 1u) {
        __threadfence_system();
        *(volatile unsigned *)(a.q_host + 1) = a.q_call;
    }
}

/* The arguments with the cache replaced by the residual rows' image (dec_image): one 8-bit block, j = 0. */
__device__ __forceinline__ dec_args wd_residual_args(const dec_args &a)
{
    dec_args r = a;
    const dec_image &im = a.res;
    r.KB = im.KB, r.VB = im.VB, r.k_head_off = im.k_head_off, r.v_head_off = im.v_head_off;
    r.k_codes = im.k_codes, r.k_group_step = im.k_group_step, r.k_group_zero = im.k_group_zero;
    r.v_codes = im.v_codes, r.v_group_step = im.v_group_step, r.v_group_zero = im.v_group_zero;
    r.k_block_scale = im.k_block_scale, r.v_block_scale = im.v_block_scale;
    return r;
}

/* MIXED: the cache has heads of several bit widths, and work items are taken per class (wd_take_item). The
 * other kernels keep the single counter and no class bookkeeping: it costs registers (spills) that slowed
 * one-width caches by about 10 % (NOTES-decode, session 3). */
/* One work item of the warp. DR: the head dim, D's unless it is padded to D's lanes (wd_lanes); W: the head widths
 * the kernel takes (WD_W_ALL ...). */
template <int D, bool HI, bool MIXED, int FORM, int DR, int W>
__device__ __forceinline__ void wd_item(const dec_args &a, int warp_bytes)
{
    static_assert(DR == D || FORM == WD_ONE || FORM == WD_FEW, "padded head dims: items of 1 to 4 rows");
    static_assert(W != WD_W_8 || !MIXED, "8-bit heads alone: one width");
    extern __shared__ __align__(16) uint8_t wd_raw[];
    const int lane = threadIdx.x & 31;
    uint8_t *at = wd_raw + (size_t)(threadIdx.x >> 5) * warp_bytes;
    wd_smem s;
    s.stage = at, at += wd_form_stage_bytes(D, a.max_bits, FORM);
    s.rs = (dec_rows *)at, at += sizeof(dec_rows);
    constexpr int TR = wd_tile_rows(HI);
    s.q8 = (int8_t *)at, at += TR * wd_qp(D);
    s.p8 = at, at += wd_p_rows(D, HI) * WD_PP;
    s.vstep = at, at += (D / 64) * DEC_BLOCK;
    s.vzero = at, at += (D / 64) * DEC_BLOCK;
    s.S = (float *)at;

    /* Work items from counters, per warp (see decode_kernel and wd_take_item). */
    int split, tile, b, h;
    if (MIXED) {
        if (!wd_take_item(a, &split, &tile, &b, &h)) return;
    } else {
        unsigned ticket = 0;
        if (lane == 0) ticket = atomicAdd(a.ticket, 1u);
        ticket = __shfl_sync(0xffffffffu, ticket, 0);
        if (ticket >= (unsigned)a.n_items) return;
        /* item numbers fit 31 bits (dec_launch checks): 32-bit divisions, where 64-bit ones cost 2 % of the warps'
         * stall samples at four rows (NOTES-decode, session 42) */
        const unsigned it = ticket + (unsigned)a.item_base, hb = (unsigned)a.H * (unsigned)a.B;
        h = (int)(it % (unsigned)a.H), b = (int)(it / (unsigned)a.H % (unsigned)a.B);
        tile = (int)(it / hb % (unsigned)a.n_tiles);
        split = (int)(it / (hb * (unsigned)a.n_tiles));
    }
    const int64_t item = (((int64_t)split * a.n_tiles + tile) * a.B + b) * a.H + h;
    int rows = min(a.rt, a.ratio * a.Nq - a.rt * tile);

    /* rows <= TR; rows past `rows` get zero codes and an empty state, and so do q's channels past DR */
    const bool bad = dec_quantize_q_rows<D, DR>(a, tile, h, b, rows, TR, s.q8, wd_qp(D), s.rs);
    wd_check_q(a, split, bad);
    if (bad) return;
    for (int i = lane; i < wd_p_rows(D, HI) * WD_PP / 4; i += 32) ((uint32_t *)s.p8)[i] = 0; /* rows past `rows` stay 0 */
    __syncwarp();

    long long end_max = 0;
    for (int r = 0; r < rows; r++) end_max = max(end_max, s.rs->key_end[r]);
    if (a.res_warp && split == a.n_split) {
        /* The residual rows: block n_blocks of the sequence, block 0 of the image, in the 8-bit code path. A
         * narrower cache's stage is too small for it; the host sized the score store so that an 8-bit stage fits
         * after this split's one block of scores (dec_warp_plan). At a padded head dim the image is a D-channel
         * block whose channels past DR are zero (dec_residual_image_kernel), and the outputs rows of DR. */
        wd_smem rs = s;
        if (a.max_bits < 8) rs.stage = (uint8_t *)(s.S + a.rows_alloc * DEC_BLOCK);
        const int nb = (int64_t)a.n_blocks * DEC_BLOCK < end_max ? 1 : 0;
        ta_pdl_wait(); /* dec_residual_image_kernel, launched before this kernel, has written the image */
        wd_split<8, D, HI, FORM, D, DR, true>(wd_residual_args(a), rs, item, split, tile, b, h, a.n_blocks, 0, nb, rows);
        return;
    }
    int64_t j0 = (int64_t)split * a.bps, j1 = min(a.n_blocks, j0 + a.bps);
    j1 = min(j1, (int64_t)((end_max + DEC_BLOCK - 1) / DEC_BLOCK)); /* blocks no row can see */
    int nb = (int)max((int64_t)0, j1 - j0);
    const int bits = a.bits[h];
    if constexpr (W != WD_W_8) {
        if (bits == 4) wd_split<4, D, HI, FORM, DR>(a, s, item, split, tile, b, h, j0, j0, nb, rows);
        else if (bits == 2) wd_split<2, D, HI, FORM, DR>(a, s, item, split, tile, b, h, j0, j0, nb, rows);
    }
    if constexpr (W != WD_W_NARROW)
        if (bits == 8) wd_split<8, D, HI, FORM, DR>(a, s, item, split, tile, b, h, j0, j0, nb, rows);
}

/* One warp per work item. Behind the residual image kernel or, in a decode step without it, take_tokens (a
 * programmatic dependent launch) every warp waits for that grid before it ends, so that the combine, next in the
 * stream, follows both; otherwise ta_pdl_wait returns at once. */
template <int D, bool HI, int MINB, bool MIXED, int FORM, int DR, int W>
__global__ void __launch_bounds__(WD_THREADS, MINB) decode_warp_kernel(const dec_args a, int warp_bytes)
{
    ta_pdl_trigger(); /* the residual split (decode_kernel), when it has it, may start on free SMs */
    wd_item<D, HI, MIXED, FORM, DR, W>(a, warp_bytes);
    ta_pdl_wait();
}

/* ---- dispatch ------------------------------------------------------------------------------------------ */

typedef void (*wd_kernel_t)(const dec_args, int);

/* One row per (head dim, rows 9..16 or not, CTAs per SM the registers are capped for, form). The first row
 * that fits a call is the default; TURBOATTN_DECODE_VARIANT=i picks the i-th (benchmarks). At D = 128 the
 * default is the 168-register row (12 warps per SM, no spills): with the stage, fewer warps no longer cost
 * latency hiding. Calls with one row per item (rows_alloc = 1) first get the one-row form, both products
 * turned around (wd_split, wd_values); calls with 2 to 4 the few-row form (wd_keys_few); variant 1 is then
 * the general row (NOTES-decode, sessions 8 and 9). At D = 64 both forms fit 128 registers without spills, four
 * CTAs per SM; until session 40 D = 64 had the general row alone, 14-34 % slower on an H200. Calls of 5 to 8 rows
 * at D = 128 (GQA 5:1 to 8:1 with one query token) get the few-row form over two quads of rows (WD_FEW8), with 52
 * bytes of spills: against the general row on an H200, -10 to -26 % at 8 rows, -16 to +4 % at 4 bits and -12 to
 * -16 % at 2 bits with 5 to 7. At D = 64 it was slower than the general row, which those calls keep (NOTES-decode,
 * session 40). Since session 44 those calls are the ones on caches with 8-bit heads: on narrower caches the launcher
 * splits more than 4 rows a KV head into items of at most 4 (dec_few_tile_rows), which beat both. Head dims 80,
 * 96 and 112 (e.g. Phi-2, Phi-3-mini, MPT-30B) run the D = 128 one-row and few-row forms on their first DR channels
 * (WD_PAD, wd_lanes) at 4 and 2 bits; until session 43 (112: session 46) they had the CTA kernel alone, at
 * 0.44-0.60x SDPA's FP16 decode on an H200. There and at D = 256 the few-row form takes 4- and 2-bit heads
 * (WD_W_NARROW), and caches whose heads are all 8-bit have a few-row kernel of their own (WD_W_8, session 47; the CTA
 * kernel before). At D = 128 such caches take 8-bit one-row and few-row kernels ahead of the rows of every width.
 * Head dims 32 and 48 (small research models: Pythia-14m and -31m, TinyStories-33M) run the D = 64 one-row and
 * few-row forms likewise (WD_PAD64, session 47), every width, with items of at most 4 rows. */
#define WD_KERNEL_PAIR(D, HI, MINB, FORM, DR, W) \
    {decode_warp_kernel<D, HI, MINB, false, FORM, DR, W>, decode_warp_kernel<D, HI, MINB, true, FORM, DR, W>}
/* WD_W_8: one width, so never MIXED; the plain kernel fills both places rather than compile a second one. Two CTAs an
 * SM: against three (168 registers, 276 bytes of spills at D = 256), 3-19 % less time at D = 256 and 5-12 % at D = 96
 * on an H200; a warp's score store then also holds twice the blocks. At D = 128, where the kernels of every width
 * took 8-bit caches before, the 8-bit one-row and few-row kernels took 4-20 % off (NOTES-decode, session 47). */
#define WD_KERNEL_8(D, FORM, DR) \
    {decode_warp_kernel<D, false, 2, false, FORM, DR, WD_W_8>, decode_warp_kernel<D, false, 2, false, FORM, DR, WD_W_8>}
#define WD_ROW(D, HI, MINB, FORM, W) {D, D, HI, MINB, FORM, W, WD_KERNEL_PAIR(D, HI, MINB, FORM, D, W)}
#define WD_PAD(DR, FORM, W) {DR, 128, false, 3, FORM, W, WD_KERNEL_PAIR(128, false, 3, FORM, DR, W)}
#define WD_PAD64(DR, FORM) {DR, 64, false, 4, FORM, WD_W_ALL, WD_KERNEL_PAIR(64, false, 4, FORM, DR, WD_W_ALL)}
#define WD_ROW8(DR, D, FORM) {DR, D, false, 2, FORM, WD_W_8, WD_KERNEL_8(D, FORM, DR)}
#define ALL WD_W_ALL
#define NARROW WD_W_NARROW
static const struct {
    int dr, D, hi, minb, form, w; /* dr: the head dim; D: the lanes' (dr's but for WD_PAD); w: the head widths */
    wd_kernel_t kernel[2];        /* one bit width, several (MIXED) */
} wd_table[] = {
    WD_ROW(64, false, 4, WD_ONE, ALL),     WD_ROW(64, false, 4, WD_FEW, ALL),     WD_ROW(64, false, 4, WD_GENERAL, ALL),
    WD_ROW(64, true, 2, WD_GENERAL, ALL),  WD_ROW8(128, 128, WD_ONE),             WD_ROW8(128, 128, WD_FEW),
    WD_ROW(128, false, 3, WD_ONE, ALL),    WD_ROW(128, false, 3, WD_FEW, ALL),    WD_ROW(128, false, 3, WD_FEW8, ALL),
    WD_ROW(128, false, 3, WD_GENERAL, ALL), WD_ROW(128, false, 4, WD_GENERAL, ALL), WD_ROW(128, true, 2, WD_GENERAL, ALL),
    WD_ROW(256, false, 3, WD_ONE, ALL),    WD_ROW(256, false, 3, WD_FEW, NARROW), WD_ROW8(256, 256, WD_FEW),
    WD_PAD(96, WD_ONE, ALL),               WD_PAD(96, WD_FEW, NARROW),            WD_ROW8(96, 128, WD_FEW),
    WD_PAD(80, WD_ONE, ALL),               WD_PAD(80, WD_FEW, NARROW),            WD_ROW8(80, 128, WD_FEW),
    WD_PAD(112, WD_ONE, ALL),              WD_PAD(112, WD_FEW, NARROW),           WD_ROW8(112, 128, WD_FEW),
    WD_PAD64(32, WD_ONE),                  WD_PAD64(32, WD_FEW),                  WD_PAD64(48, WD_ONE),
    WD_PAD64(48, WD_FEW),
};
#undef ALL
#undef NARROW
#define WD_KERNELS (int)(sizeof wd_table / sizeof wd_table[0])
static int wd_smem_set[TA_MAX_DEVICES][WD_KERNELS][2]; /* dynamic shared memory limit raised to, per GPU */
static int wd_ctas[TA_MAX_DEVICES][WD_KERNELS][2][3][DEC_RT + 1]; /* occupancy by widest head and rows_alloc, 0: not asked yet */

/* Whether a row of head widths w takes a cache whose heads are min_bits to max_bits wide. */
static int wd_widths_fit(int w, int max_bits, int min_bits)
{
    return w == WD_W_ALL || (w == WD_W_NARROW && max_bits < 8) || (w == WD_W_8 && min_bits == 8);
}

static int wd_form_fits(int form, int rows_alloc)
{
    return form == WD_GENERAL || (form == WD_ONE && rows_alloc == 1) || (form == WD_FEW && rows_alloc >= 2 && rows_alloc <= 4) ||
           (form == WD_FEW8 && rows_alloc == 8); /* 5 to 8 rows at D = 128 (dec_launch rounds rows_alloc up) */
}

static int wd_find(const dec_args *a)
{
    const char *env = getenv("TURBOATTN_DECODE_VARIANT");
    int want = env ? atoi(env) : 0, seen = 0, first = -1;
    for (int i = 0; i < WD_KERNELS; i++)
        if (wd_table[i].dr == a->D && wd_table[i].hi == (a->rows_alloc > 8) && wd_form_fits(wd_table[i].form, a->rows_alloc) &&
            wd_widths_fit(wd_table[i].w, a->max_bits, a->min_bits)) {
            if (first < 0) first = i;
            if (seen++ == want) return i;
        }
    return first; /* no such variant: the default */
}

int dec_warp_few_rows(int D, int max_bits, int min_bits)
{
    int few = 0, general = 0;
    for (int i = 0; i < WD_KERNELS; i++) {
        if (wd_table[i].dr != D) continue;
        general |= wd_table[i].form == WD_GENERAL;
        if (wd_table[i].form == WD_FEW && wd_widths_fit(wd_table[i].w, max_bits, min_bits)) few = 4;
    }
    /* Caches with 8-bit heads keep items of up to 16 rows where a general row takes them: 2-27 % faster than items of 4
     * at D = 128 (NOTES-decode, session 44). */
    return max_bits >= 8 && general ? 0 : few;
}

static int wd_prepare(int device, int k, int mixed, size_t cta_bytes)
{
    if ((int)cta_bytes > wd_smem_set[device][k][mixed]) {
        TA_CUDA_TRY(cudaFuncSetAttribute(wd_table[k].kernel[mixed], cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         (int)cta_bytes));
        wd_smem_set[device][k][mixed] = (int)cta_bytes;
    }
    return TA_OK;
}

/* Per-warp shared memory of a launch of table row k with bps blocks per split: with the residual rows in the kernel
 * and a cache narrower than 8 bits, at least one block of scores and then an 8-bit stage (wd_item). */
static size_t wd_launch_warp_bytes(const dec_args *a, int bps, int k)
{
    const int D = wd_table[k].D, form = wd_table[k].form;
    const size_t n = wd_warp_bytes(D, a->rows_alloc, bps, a->max_bits, form);
    if (!a->res_warp || a->max_bits >= 8) return n;
    const size_t r = wd_warp_bytes(D, a->rows_alloc, 1, a->max_bits, form) + (size_t)wd_stage_bytes(D, 8);
    return r > n ? r : n;
}

/* TURBOATTN_DECODE_RESIDUAL=cta or =warp puts the residual split on that kernel whenever it can run there, =slack
 * where the plan before session 46 put it (benchmarks, tests; read per call): 0, 1 and 3; otherwise -1, the plan's
 * choice. */
static int wd_residual_forced(void)
{
    const char *env = getenv("TURBOATTN_DECODE_RESIDUAL");
    if (env && strcmp(env, "cta") == 0) return 0;
    if (env && strcmp(env, "warp") == 0) return 1;
    if (env && strcmp(env, "slack") == 0) return 3;
    return -1;
}

int dec_warp_plan(dec_args *a, int device, int sm_count, int forced_bps, int *usable)
{
    int k = wd_find(a);
    /* The row step here is the paired one only (one form in the value loop: with the scalar form beside it,
     * ptxas spilled 180 bytes more): SAS up to threshold 14, or the exact softmax's SFU pair; SAS thresholds
     * above 14 go to the CTA kernel. */
    /* The stage's cp.async copies move 16-byte chunks: the arrays and their rows must be 16-byte aligned.
     * They are (separate allocations; at D = 64 and 128 every head's rows are multiples of 16 bytes). */
    const uintptr_t align = (uintptr_t)a->k_codes | (uintptr_t)a->k_group_step | (uintptr_t)a->k_group_zero |
                            (uintptr_t)a->v_codes | (uintptr_t)a->KB | (uintptr_t)a->VB;
    /* k < 0: no row for the head dim, rows and head widths (e.g. D = 256 with 5 or more rows an item, or 8-bit heads
     * beside narrower ones at D = 256 and the padded dims with 2 or more) */
    *usable = k >= 0 && a->n_blocks > 0 && (a->exact || a->threshold <= 14) && (align & 15) == 0;
    if (!*usable) return TA_OK;
    const int D = wd_table[k].D; /* the lanes' head dim, which sizes the stage and tiles */
    /* Blocks per split are capped by the score store: at most WD_S_BYTES per warp, and no more than lets the
     * row's CTAs per SM (minb) stay resident next to the stage. */
    static int smem_sm[TA_MAX_DEVICES], smem_reserved[TA_MAX_DEVICES];
    if (smem_sm[device] <= 0) {
        TA_CUDA_TRY(cudaDeviceGetAttribute(&smem_reserved[device], cudaDevAttrReservedSharedMemoryPerBlock, device));
        TA_CUDA_TRY(cudaDeviceGetAttribute(&smem_sm[device], cudaDevAttrMaxSharedMemoryPerMultiprocessor, device));
    }
    const int per_warp = (smem_sm[device] / wd_table[k].minb - smem_reserved[device]) / WD_WARPS;
    int s_bytes = per_warp - (int)wd_warp_bytes(D, a->rows_alloc, 0, a->max_bits, wd_table[k].form);
    /* The residual rows can be the last split of this kernel (an 8-bit block from dec_residual_image_kernel) when
     * an 8-bit stage fits next to the other CTAs; below, the plan decides whether they are. */
    const int res_need = a->rows_alloc * DEC_BLOCK * (int)sizeof(float) + (a->max_bits < 8 ? wd_stage_bytes(D, 8) : 0);
    const int forced_res = wd_residual_forced();
    const int res_ok = a->has_res && forced_res != 0 && res_need <= s_bytes;
    a->res_warp = res_ok; /* for the shared-memory size below: the most a launch may ask */
    if (s_bytes > WD_S_BYTES) s_bytes = WD_S_BYTES;
    int cap = s_bytes / (a->rows_alloc * DEC_BLOCK * (int)sizeof(float));
    if (cap < 1) cap = 1;
    size_t cta_cap = WD_WARPS * wd_launch_warp_bytes(a, cap, k);
    int st = wd_prepare(device, k, a->mixed, cta_cap);
    if (st != TA_OK) return st;
    /* Resident CTAs per SM, asked once per (GPU, kernel, rows): the query costs microseconds, and decode
     * runs every step. */
    int *known = &wd_ctas[device][k][a->mixed][a->max_bits == 2 ? 0 : a->max_bits == 4 ? 1 : 2][a->rows_alloc];
    if (*known <= 0)
        TA_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(known, wd_table[k].kernel[a->mixed], WD_THREADS, cta_cap));
    int ctas = *known;
    a->plan_ctas = ctas;
    const int64_t items_per_split = (int64_t)a->n_tiles * a->B * a->H;
    const int64_t slots = (int64_t)sm_count * (ctas > 0 ? ctas : 1) * WD_WARPS;
    int64_t bps;
    if (forced_bps > 0) {
        bps = forced_bps;
    } else {
        /* Items are alike, so a launch takes about (waves of resident warps) x (blocks per item + the item's
         * fixed work, counted as one block). The blocks per split with the fewest such steps win, the larger
         * on a tie: a plan one item past a whole wave costs a whole extra wave (session 8: 1.29 waves made
         * two shapes 6-12 % slower). Residual items that do not fit the last wave's free warps add two steps:
         * in a wave of their own they wait on DRAM under the last wave's load (q, one block, the look-back, one
         * block: 17-26 us at (16,32,8,8k + 37); NOTES-decode, session 38). Counting them as whole items instead
         * chose two waves of shorter splits, 1-5 % slower at 4 bits. Where they fit, nothing changes.
         * No plan costs fewer steps than `least`: items shorter than a call's fixed work do not shorten it. In one
         * wave the count alone would pick the shortest items. At small calls (B = 1 up to 16k tokens, one KV head,
         * short contexts in batches) one-block items were up to 24 % slower than longer ones, and with residual
         * rows items of 1 to 3 blocks up to 28 % slower than the best (mostly 4 to 6): the residual rows' items
         * (q, 37 rows, a look-back over every split) take about that long, and shorter items only add splits for
         * that look-back to read. Over 33 shapes at D = 64 and 128 the floor took the plan's mean excess over the
         * best forced choice from 4.5 to 2.2 % without residual rows and from 10.8 to 2.1 % with them
         * (NOTES-decode, session 44). */
        const int64_t res_items = res_ok ? items_per_split : 0, least = a->has_res ? 5 : 3;
        int64_t best = -1;
        bps = 1;
        for (int c = 1; c <= cap; c++) {
            const int64_t items = (a->n_blocks + c - 1) / c * items_per_split, waves = (items + slots - 1) / slots;
            int64_t cost = waves * (c + 1) + (res_items > waves * slots - items ? 2 : 0);
            if (cost < least) cost = least;
            if (best < 0 || cost <= best) best = cost, bps = c;
            if (c >= a->n_blocks) break; /* one split already */
        }
    }
    a->bps = (int)(bps < cap ? bps : cap);
    /* Where the residual split ends soonest (NOTES-decode, sessions 12 and 19). Its items are one warp each here,
     * behind the image kernel (about 6 us, and it delays this kernel's CTAs on the SMs it holds), or one CTA of 4
     * warps each in the CTA kernel, which starts on the SMs this kernel leaves free. The CTA kernel takes them when
     * its CTAs fit beside this kernel's last wave; otherwise they run here, in that wave's free warps or, when
     * they do not fit there either, in a short wave of their own (one block per item): at (16,32,8,8k) that was
     * 5-7 % faster than the CTA kernel's CTAs in the tail. At D = 256 they always run here: there the CTA kernel's
     * one residual item took about 50 us once it got an SM, and at (1,16,8,32k + 37) it got one only as this kernel
     * ended (+45 to +55 us a call against +13 to +32 here on an H200; NOTES-decode, session 41). Session 42 timed
     * both places at six D = 128 shapes: this rule had picked the faster one at each. Since session 46 they also run
     * here when items are short (6 blocks or fewer): the CTA kernel's residual split (q, the rows, a look-back over
     * every split: about 30 us at B = 1) then ends after this kernel. In loops of fused steps at B = 1 and 2, 8k-32k
     * tokens, that took 10-13 % off a token at three of five shapes, with +1.6 and +3.9 % at the other two and the
     * GPU's busy time -8 to +1 % (NOTES-decode, session 46). TURBOATTN_DECODE_RESIDUAL=slack keeps the rule before. */
    if (res_ok && (forced_res < 0 || forced_res == 3) && a->D <= 128) {
        const int64_t items = (a->n_blocks + a->bps - 1) / a->bps * items_per_split;
        const int64_t slack = (items + slots - 1) / slots * slots - items;
        a->res_warp = items_per_split > slack / WD_WARPS || (forced_res < 0 && a->bps <= 6);
    }
    return TA_OK;
}

int dec_warp_launch(const dec_args *a, int device, int pdl)
{
    int k = wd_find(a);
    if (k < 0 || a->n_items <= 0) return TA_OK;
    size_t warp_bytes = wd_launch_warp_bytes(a, a->bps, k);
    int st = wd_prepare(device, k, a->mixed, WD_WARPS * warp_bytes);
    if (st != TA_OK) return st;
    cudaLaunchAttribute attr;
    const cudaLaunchConfig_t cfg = ta_launch_config(dim3((unsigned)((a->n_items + WD_WARPS - 1) / WD_WARPS)),
                                                    dim3(WD_THREADS), WD_WARPS * warp_bytes, pdl, &attr);
    return TA_CUDA_CHECK(cudaLaunchKernelEx(&cfg, wd_table[k].kernel[a->mixed], *a, (int)warp_bytes));
}
