/* The warp decode kernel's per-warp shared memory (attn_decode_warp.cu): its parts and sizes, the cp.async
 * stage that holds the next block's packed codes, and the warp-uniform clamp test over a block's steps and
 * zeros. Device code and host sizing; included by attn_decode_warp.cu only. */
#ifndef TA_ATTN_DECODE_WARP_STAGE_CUH
#define TA_ATTN_DECODE_WARP_STAGE_CUH

#include "attn_decode_common.cuh"
#include "cuda_common.cuh"

#define WD_WARPS 4
#define WD_THREADS (32 * WD_WARPS)
#define WD_PP 80          /* P tile pitch: the 8 rows of one ldmatrix phase land in 8 different bank groups */
#define WD_S_BYTES 12288  /* per-warp score store: bps * rows * 64 floats at most */

/* Kernel forms (compile-time rows of the dispatch table): any rows per item, one row (both products turned
 * around, wd_keys_one), 2 to 4 rows (phase 1 by wd_keys_few), 5 to 8 rows (the same over two quads of rows). */
#define WD_GENERAL 0
#define WD_ONE 1
#define WD_FEW 2
#define WD_FEW8 3 /* 5 to 8 rows: the few-row form over two quads of rows */

/* Head widths a kernel takes (a template argument and a column of the dispatch table): 4, 2 and 8 bits; 4 and 2 bits
 * (its 8-bit path is the residual rows' image alone); 8 bits alone (caches whose heads are all 8-bit). An 8-bit path
 * beside the 4- and 2-bit ones of D = 256's few-row form spilled 412 bytes and cost its 4-bit calls 1.5-2.1 %
 * (NOTES-decode, session 41), so there, and at the padded dims, 8-bit heads have few-row kernels of their own. */
#define WD_W_ALL 0
#define WD_W_NARROW 1
#define WD_W_8 2

__host__ __device__ static inline int wd_qp(int D) { return D + 16; } /* q tile pitch, same reason */

/* ---- the warp's staging buffer ----------------------------------------------------------------------
 * The packed codes of the next block are copied into shared memory by cp.async while the warp computes the
 * current one, so no register waits on global memory and none is held by a load in flight (prefetching
 * into registers hid the latency but spilled: NOTES-decode, session 3). Keys: the D channel rows of
 * 8·BITS bytes of one (block, head, batch), which are contiguous in k_codes, then its D steps and D zeros
 * (except in the few-row form at 4 and 2 bits: wd_form_stage_bytes); at 4
 * and 2 bits the rows come interleaved by channel quads (ta_kv_key_row) and keep that order here (wd_key_chunk).
 * Values: the block's 64 token rows of D·BITS/8 bytes, gathered from v_codes. The 32 lanes of one line load
 * read rows 4 apart (lines 4 tq + i), so the row layouts spread those rows over the banks: 8-bit key channel c is
 * row (c % 4) D / 4 + c / 4 (the four lanes' rows are then adjacent), and after every fourth token row come
 * wd_pad(BITS) unused bytes. Line loads are then free of bank conflicts (2 lanes share a word at 2 bits;
 * 8-byte lines are read by half-warps, and 8-bit key lines have 2-way conflicts). */
__host__ __device__ constexpr int wd_pad(int bits) { return bits == 2 ? 16 : 32; }
__host__ __device__ constexpr int wd_rows_bytes(int rows, int pitch, int bits) { return rows * pitch + rows / 4 * wd_pad(bits); }
/* Channels of one stage fill. At D = 256 (the one-row and few-row forms, and their 8-bit blocks: the residual rows'
 * image, 8-bit heads) a block is staged as two halves of 128 channels, each laid out as a D = 128 block:
 * keys 0..127 then 128..255, values groups 0-1 then 2-3. A warp's stage, registers and lane-to-channel maps are then
 * those of D = 128, and only the loops over a block's halves are new (wd_keys_one, wd_keys_few, wd_values, the
 * general key loop of wd_split). */
__host__ __device__ constexpr int wd_sub(int D) { return D > 128 ? 128 : D; }
__host__ __device__ constexpr int wd_stage_bytes(int D, int bits)
{
    return wd_sub(D) * 8 * bits + 2 * wd_sub(D) > wd_rows_bytes(DEC_BLOCK, wd_sub(D) * bits / 8, bits)
               ? wd_sub(D) * 8 * bits + 2 * wd_sub(D)
               : wd_rows_bytes(DEC_BLOCK, wd_sub(D) * bits / 8, bits);
}
/* The stage of a kernel form. The few-row form at 4 and 2 bits (wd_keys_few) loads its key steps and zeros into
 * registers a block ahead instead of staging them, and its value rows have no pad (wd_value_chunk), so its stage is
 * one block of codes, 8 D BITS bytes either way: at 4 bits 512 bytes less, which lets four-row splits take 12
 * blocks of scores instead of 11 (NOTES-decode, session 39). */
__host__ __device__ constexpr int wd_form_stage_bytes(int D, int bits, int form)
{
    return (form == WD_FEW || form == WD_FEW8) && bits < 8 ? wd_sub(D) * 8 * bits : wd_stage_bytes(D, bits);
}

/* Rows of the q and P tiles: the mma's 16, or 8 when no item has more than 8 rows (HI = false; rows 8-15 of
 * the A fragments are then zeros in registers), which leaves the score store room for more blocks. */
__host__ __device__ constexpr int wd_tile_rows(bool hi) { return hi ? DEC_RT : 8; }
/* Rows of the P tile: the A tile's, or at D = 256 the one-row value digits' 2 G + 2 (wd_values with DIG: row 0 the P
 * codes, two digit rows a group, a zero row). */
__host__ __device__ constexpr int wd_p_rows(int D, bool hi)
{
    return wd_tile_rows(hi) > 2 * (D / 64) + 2 ? wd_tile_rows(hi) : 2 * (D / 64) + 2;
}

/* Per-warp shared memory, every part a multiple of 16 bytes. */
static inline size_t wd_warp_bytes(int D, int rows_alloc, int bps, int max_bits, int form)
{
    const int tr = wd_tile_rows(rows_alloc > 8);
    size_t n = (size_t)wd_form_stage_bytes(D, max_bits, form); /* first: 16-byte aligned for cp.async */
    n += sizeof(dec_rows);                          /* 640 */
    n += (size_t)tr * wd_qp(D);                     /* q codes */
    n += (size_t)wd_p_rows(D, rows_alloc > 8) * WD_PP; /* P codes */
    n += 2 * (size_t)(D / 64) * DEC_BLOCK;                  /* value steps and zeros of one block */
    n += sizeof(float) * (size_t)bps * rows_alloc * DEC_BLOCK; /* scores */
    return n;
}

typedef struct {
    uint8_t *stage; /* wd_form_stage_bytes(D, max_bits, form) */
    dec_rows *rs;
    int8_t *q8;
    uint8_t *p8, *vstep, *vzero; /* vstep/vzero: [group][token] */
    float *S;                    /* [bps][rows_alloc][64] */
} wd_smem;

/* Keys at 4 and 2 bits lie in the stage as they lie in the cache (ta_kv_key_row: the rows of each channel quad
 * interleaved; quad c4's 4 CB bytes at 4 CB c4), with the 16-byte chunks of a quad permuted so that the lanes'
 * reads are free of bank conflicts: lane (g, tq) reads segment g of quad 8 kk + 4 hh + tq (wd_key_chunk), 16 bytes
 * at 4 bits (a quarter-warp covers chunks g ^ 2 tq: all 8 of a 128-byte line) and 8 bytes at 2 bits (a half-warp:
 * 8-byte slots g ^ 4 (c4 / 2 % 2) of two quads 64 bytes apart: all 16 of a 128-byte line). */
template <int BITS> __device__ __forceinline__ uint8_t *wd_key_chunk16(uint8_t *stage, int c4, int k)
{
    constexpr int QB = 4 * 8 * BITS; /* bytes per quad */
    return stage + c4 * QB + 16 * (BITS == 4 ? k ^ (2 * (c4 & 3)) : k ^ (2 * ((c4 >> 1) & 1)));
}
/* Segment g of quad c4 in the stage (4 BITS bytes). */
template <int BITS> __device__ __forceinline__ const uint8_t *wd_key_chunk(const uint8_t *stage, int c4, int g)
{
    if (BITS == 4) return wd_key_chunk16<BITS>((uint8_t *)stage, c4, g);
    return wd_key_chunk16<BITS>((uint8_t *)stage, c4, g >> 1) + 8 * (g & 1);
}

/* Values at 4 and 2 bits lie in v_codes interleaved by row quads (ta_kv_value_row): tokens 4 q .. 4 q + 3 of one
 * (block, head, batch) are a run of 4 PV bytes, whose byte 4 i + r is byte i of token 4 q + r. The stage holds
 * quad q at 4 PV q, its 16-byte slots XOR-swizzled by 2 (q % 4) (within the rectangle), so that lane
 * (g, tq), reading segment g of quad 8 kk + 4 hh + tq, is free of bank conflicts at D = 128 as with the keys. */
template <int BITS, int D> __device__ __forceinline__ int wd_vslot(int q, int slot)
{
    constexpr int NS = 4 * D * BITS / 8 / 16; /* slots per rectangle: 8 or 16 at D = 128, 4 or 8 at D = 64 */
    return slot ^ ((2 * (q & 3)) & (NS - 1));
}
/* Segment g (channels 8 g ..) of value group sh for the four tokens of quad q: 4 BITS bytes, word k holding byte
 * 8 BITS sh + BITS g + k of each token's row. */
template <int BITS, int D>
__device__ __forceinline__ const uint8_t *wd_value_chunk(const uint8_t *stage, int q, int sh, int g)
{
    constexpr int PV = D * BITS / 8;
    const int n0 = 32 * BITS * sh + 4 * BITS * g; /* the chunk's first byte in the rectangle */
    return stage + q * 4 * PV + 16 * wd_vslot<BITS, D>(q, n0 >> 4) + (n0 & 15);
}

/* Head dims between 64 and 128 (the dispatch table has rows for 80, 96 and 112) run on the D = 128 kernels' lanes, and
 * 32 and 48 on the D = 64 kernels' (session 47): their blocks are the first DR channels of a lanes' block in the stage.
 * At 4 and 2 bits a key block of DR channels is the first DR / 4 quads of a lanes' one, and a value row quad's run of
 * 4 DR BITS / 8 bytes the first bytes of its lanes' run (both interleave byte by byte: ta_kv_key_row,
 * ta_kv_value_row), so the copies are the lanes' head dim's, fewer of them. At 8 bits a key block is the first DR
 * channel rows, and a value row the first DR bytes of a lanes' row (rows whole). The lanes past channel DR read what
 * the stage held before: their q codes (keys) are zero, and their output channels (values) are not written, so
 * nothing of it reaches a result. At 128's lanes 8-bit heads run in the one-row form and in a few-row kernel of their
 * own (WD_W_8, the general code path on items of 2 to 4 rows); at 64's both forms take every width, as D = 64's do.
 * The residual rows' 8-bit image is a lanes' block whose channels past DR are zero (dec_residual_image_kernel). */
__host__ __device__ constexpr int wd_lanes(int DR) { return DR > 64 && DR < 128 ? 128 : DR < 64 ? 64 : DR; }
/* DR on D's lanes: its own, or a padded head dim whose rows are whole 16-byte chunks at 2 bits (DR / 16 a block row) */
__host__ __device__ constexpr bool wd_lanes_fit(int D, int DR) { return DR == D || (D == wd_lanes(DR) && DR % 16 == 0); }

/* Issues the cp.async copies of one key block of (head h, batch b) into the stage and commits them. kblk: the
 * lane's first chunk of the block, a.k_codes + j KB + k_head_off[h] + b DR CB + 16 lane; grow: the block's
 * index (j H + h) B + b in the [cap, H, B] arrays. Both are advanced block by block by the callers (wd_cursor):
 * formed from j in 64 bits, they cost about 40 instructions per block (ncu, session 10). DR: the head dim, when
 * it is below the lanes' D (wd_lanes). */
template <int BITS, int D, bool META = true, int DR = D>
__device__ __forceinline__ void wd_stage_keys(const dec_args &a, uint8_t *stage, const uint8_t *kblk, int64_t grow,
                                              int hf = 0)
{
    /* hf: the half of a D = 256 block (wd_sub), channels 128 hf .., whose rows follow the first half's in k_codes */
    constexpr int DH = wd_sub(D), CB = 8 * BITS, CPR = CB / 16, KROWS = DH * CB; /* CPR: 16-byte chunks per row */
    constexpr int NC = (DR < DH ? DR : DH) * CPR; /* chunks a fill copies */
    static_assert(wd_lanes_fit(D, DR), "a padded head dim: on the lanes of D = 64 or 128");
    const int lane = threadIdx.x & 31;
    kblk += hf * KROWS;
    if constexpr (BITS == 8) {
        /* chunk 32 m + lane is channel c = 32 m / CPR + lane / CPR; 32 / CPR is a multiple of 4, so c % 4 is the
         * lane's and c / 4 grows by 8 / CPR per round: every destination is the lane's one plus an immediate. A
         * padded head dim's DR channel rows (a multiple of 8: whole rounds) are the first DR of them. */
        const int c = lane / CPR;
        uint8_t *dst = stage + (c % 4 * (DH / 4) + c / 4) * CB + lane % CPR * 16;
#pragma unroll
        for (int m = 0; m < NC / 32; m++) ta_cp_async16(dst + m * (8 / CPR) * CB, kblk + 512 * m);
    } else {
        /* 16-byte chunk 32 m + lane of the interleaved quads (ta_kv_key_row) lands where wd_key_chunk reads it: quad
         * c4 = 32 m / CPQ + lane / CPQ, and the swizzle depends on c4 % 4 only, which is the lane's */
        constexpr int CPQ = 4 * CB / 16; /* chunks per quad: 8 at 4 bits, 4 at 2 */
        uint8_t *dst = wd_key_chunk16<BITS>(stage, lane / CPQ, lane % CPQ);
#pragma unroll
        for (int m = 0; m < (NC + 31) / 32; m++)
            if (NC % 32 == 0 || 32 * m + lane < NC) ta_cp_async16(dst + m * 512, kblk + 512 * m);
    }
    /* DH / 16 chunks of steps, then as many of zeros, DR / 16 of each used (META = false: wd_keys_few) */
    if (META && lane < DH / 8 && (DR == D || lane % (DH / 16) < DR / 16)) {
        const int half = lane / (DH / 16), k = lane % (DH / 16);
        const uint8_t *meta = half ? (const uint8_t *)a.k_group_zero : a.k_group_step;
        ta_cp_async16(stage + KROWS + half * DH + 16 * k, meta + grow * DR + hf * DH + 16 * k);
    }
    ta_cp_async_commit();
}

/* The same for one value block: its 64 token rows, contiguous in v_codes (ta_kv_value_row). vblk: the lane's first
 * chunk of the block, a.v_codes + j VB + v_head_off[h] + 64 b DR BITS / 8 + 16 lane. */
template <int BITS, int D, int DR = D>
__device__ __forceinline__ void wd_stage_values(const dec_args &a, uint8_t *stage, const uint8_t *vblk, int hf = 0)
{
    constexpr int PV = D * BITS / 8, CPT = PV / 16; /* CPT: 16-byte chunks per token, 1..8, a power of two */
    static_assert(wd_lanes_fit(D, DR), "a padded head dim: on the lanes of D = 64 or 128");
    const int lane = threadIdx.x & 31;
    const uint8_t *src = vblk;
    const int step = 32 * 16; /* 32 / CPT rows of PV bytes */
    if constexpr (DR != D && BITS == 8) {
        /* a padded head dim (wd_lanes), 8 bits: rows whole, of RC chunks; chunk n = 32 m + lane of the block is chunk n % RC of token
         * n / RC, which goes where the D = 128 copy below puts that token's chunk */
        constexpr int RC = DR / 16, NC = DEC_BLOCK * RC;
#pragma unroll
        for (int m = 0; m < (NC + 31) / 32; m++) {
            const int n = 32 * m + lane, t = n / RC;
            if (NC % 32 == 0 || n < NC) ta_cp_async16(stage + t * PV + t / 4 * wd_pad(BITS) + 16 * (n - t * RC), src + step * m);
        }
        ta_cp_async_commit();
        return;
    }
    if constexpr (DR != D) {
        /* a padded head dim (wd_lanes): chunk n = 32 m + lane of the block is chunk n % QC of row quad n / QC's run of 4 DR BITS / 8
         * bytes, the first QC of the 4 PV / 16 that wd_stage_values<BITS, D> gives the quad (at 2 bits and DR = 80,
         * 5 of 8) */
        constexpr int QC = 4 * (DR * BITS / 8) / 16, NC = 16 * QC;
#pragma unroll
        for (int m = 0; m < (NC + 31) / 32; m++) {
            const int n = 32 * m + lane, q = n / QC;
            if (NC % 32 == 0 || n < NC) ta_cp_async16(stage + q * 4 * PV + 16 * wd_vslot<BITS, D>(q, n - q * QC), src + step * m);
        }
        ta_cp_async_commit();
        return;
    }
    if constexpr (D != wd_sub(D)) {
        /* Half hf of a D = 256 block (groups 2 hf, 2 hf + 1), staged as a D = 128 block: in each row quad's run of 4 PV
         * bytes the half is the run of 4 PH bytes at 4 PH hf (byte 4 i + r is byte i of token 4 q + r). Chunk n = 32 m +
         * lane of the half: quad n / QC, chunk n % QC of its piece, which lands where wd_stage_values<BITS, 128> puts
         * chunk n of a D = 128 block. */
        constexpr int DH = wd_sub(D), PH = DH * BITS / 8, QC = 4 * PH / 16; /* QC: chunks of a quad's piece, 32 % QC == 0 */
        if constexpr (BITS == 8) { /* rows whole (the residual rows' image): bytes 128 hf .. of each token row */
            constexpr int CH = PH / 16; /* chunks of a row's half: 8, so 4 rows a round */
            const uint8_t *row = vblk - 16 * lane + (lane / CH) * PV + hf * PH + 16 * (lane % CH);
            uint8_t *dst = stage + lane / CH * PH + lane / CH / 4 * wd_pad(BITS) + lane % CH * 16;
#pragma unroll
            for (int m = 0; m < 64 * CH / 32; m++) /* rows 32 m / CH + lane / CH */
                ta_cp_async16(dst + m * (32 / CH * PH + 8 / CH * wd_pad(BITS)), row + m * (32 / CH) * PV);
            ta_cp_async_commit();
            return;
        }
        const uint8_t *base = vblk - 16 * lane + (lane / QC) * 4 * PV + hf * 4 * PH + 16 * (lane % QC);
#pragma unroll
        for (int m = 0; m < 64 * PH / 16 / 32; m++) {
            const int q = 32 / QC * m + lane / QC;
            ta_cp_async16(stage + q * 4 * PH + 16 * wd_vslot<BITS, DH>(q, lane % QC), base + m * (32 / QC) * 4 * PV);
        }
        ta_cp_async_commit();
        return;
    }
    if constexpr (BITS == 8) {
        /* as in wd_stage_keys */
        uint8_t *dst = stage + lane / CPT * PV + lane / CPT / 4 * wd_pad(BITS) + lane % CPT * 16;
#pragma unroll
        for (int m = 0; m < 2 * CPT; m++, src += step) /* chunk 32 m + lane: token 32 m / CPT + lane / CPT */
            ta_cp_async16(dst + m * (32 / CPT * PV + 8 / CPT * wd_pad(BITS)), src);
    } else { /* the row quads' 16-byte slots where wd_value_chunk reads them */
#pragma unroll
        for (int m = 0; m < 2 * CPT; m++, src += step) {
            const int t = 32 / CPT * m + lane / CPT, q = t >> 2;
            ta_cp_async16(stage + q * 4 * PV + 16 * wd_vslot<BITS, D>(q, (t & 3) * CPT + lane % CPT), src);
        }
    }
    ta_cp_async_commit();
}

/* Where block j of one (head, batch) lies in the cache, for a lane: its first key and value chunks for the
 * stage copies and the block's index in the [cap, H, B] arrays. Made once per split (wd_cursor_at) and moved
 * by whole blocks (wd_cursor_next); the products of j with H, B, KB and VB are not formed again. */
typedef struct {
    const uint8_t *kc, *vc; /* as kblk and vblk above */
    int64_t grow;           /* (j H + h) B + b */
    int64_t vg;             /* (64 grow + lane) G: the lane's token's value steps and zeros ([cap, H, B, 64, G]) */
} wd_cursor;

/* D: the head dim (DR of the padded forms), whose value rows have ceil(D / 64) groups */
template <int BITS, int D>
__device__ __forceinline__ wd_cursor wd_cursor_at(const dec_args &a, int h, int b, int64_t j)
{
    constexpr int CB = 8 * BITS, PV = D * BITS / 8, G = (D + 63) / 64;
    const int lane = threadIdx.x & 31;
    wd_cursor c;
    c.kc = a.k_codes + j * a.KB + a.k_head_off[h] + (int64_t)b * D * CB + 16 * lane;
    c.vc = a.v_codes + j * a.VB + a.v_head_off[h] + (int64_t)b * DEC_BLOCK * PV + 16 * lane;
    c.grow = (j * a.H + h) * a.B + b;
    c.vg = (c.grow * DEC_BLOCK + lane) * G;
    return c;
}

template <int D> __device__ __forceinline__ wd_cursor wd_cursor_next(const dec_args &a, wd_cursor c)
{
    const int64_t hb = (int64_t)a.H * a.B;
    c.kc += a.KB, c.vc += a.VB, c.grow += hb, c.vg += hb * (DEC_BLOCK * ((D + 63) / 64));
    return c;
}

/* A line from the stage (8-byte lines are 8-byte aligned there). */
template <int BITS> __device__ __forceinline__ uint2 wd_line(const uint8_t *p)
{
    if (BITS == 8) return *(const uint2 *)p;
    return load_line<BITS>(p);
}

/* Warp-uniform: bit 4 gi + tq is set when lane tq's group gi of four lines (steps and zeros at
 * 16 gi + 4 tq) can reach the clamp (lines_can_clamp). The 8 lanes of one tq hold the same lines (other
 * elements), so lane (g, tq) tests only the groups gi = g (mod 8). */
template <int BITS, int NG>
__device__ __forceinline__ unsigned long long wd_clamp_mask(const uint8_t *step, const uint8_t *zero)
{
    const int lane = threadIdx.x & 31, g = lane >> 2, tq = lane & 3;
    unsigned long long mask = 0;
#pragma unroll
    for (int base = 0; base < NG; base += 8) {
        const int at = 16 * (base + g) + 4 * tq;
        bool hit = base + g < NG && lines_can_clamp<BITS>(*(const uint32_t *)(step + at), *(const uint32_t *)(zero + at));
        mask |= (unsigned long long)__ballot_sync(0xffffffffu, hit) << (4 * base);
    }
    return mask;
}

#endif
