/* The compressed KV cache (SPEC section 4) as C and CUDA see it. Layout: docs/DESIGN.md, "Compressed
 * KV cache layout". Pointers are host memory for the CPU path and device memory for the CUDA path. */
#ifndef TA_KV_H
#define TA_KV_H

#include <stdint.h>
#include "ta_tensor.h"

typedef struct {
    int B, H, D;           /* batch, KV heads, head dim */
    int block;             /* tokens per block (64; the CPU path accepts others for sweeps) */
    int G;                 /* value groups per token: ceil(D / 64) */
    int64_t n_blocks;      /* compressed blocks */
    int64_t n_residual;    /* rows in residual_k / residual_v, in [0, block) */
    int64_t cap_blocks;    /* rows allocated in the block-major arrays */
    int64_t KB, VT;        /* bytes per row of k_codes (one block) and of v_codes (one token) */
    const uint8_t *bits;       /* [H] */
    int mixed_bits;            /* 1 when the heads do not all have the same bits (set by the CUDA binding) */
    const uint8_t *bits_host;  /* [H], host copy of bits (CUDA binding; NULL elsewhere) */
    const int64_t *k_head_off; /* [H] byte offset of head h within a k_codes row */
    const int64_t *v_head_off; /* [H] byte offset of head h within a v_codes row */
    uint8_t *k_codes;          /* [cap_blocks, KB] */
    uint8_t *k_group_step;     /* [cap_blocks, H, B, D] */
    int8_t *k_group_zero;      /* [cap_blocks, H, B, D] */
    float *k_block_scale;      /* [cap_blocks, H, B] */
    uint8_t *v_codes;          /* [cap_blocks * block, VT] */
    uint8_t *v_group_step;     /* [cap_blocks * block, H, B, G] */
    int8_t *v_group_zero;      /* [cap_blocks * block, H, B, G] */
    float *v_block_scale;      /* [cap_blocks, H, B] */
    ta_view4 residual_k;       /* [B, H, block, D], input dtype; rows [0, n_residual) are valid */
    ta_view4 residual_v;
} ta_kv;

#ifdef __cplusplus
extern "C" {
#endif
/* The checks every compression path makes before touching memory (kv_check.c): blocks [blk0, blk0+nblk)
 * fit the allocation, and k and v are [B, H, >= row0 + nblk*block, D] like the cache, on `device`, of one
 * dtype. Returns a ta_status with the message set. */
int ta_kv_check_compress_args(const ta_kv *kv, const ta_view4 *k, const ta_view4 *v, int64_t blk0, int64_t nblk,
                              int64_t row0, ta_device device);
#ifdef __cplusplus
}
#endif

#ifdef __CUDACC__
#define TA_KV_FN static inline __host__ __device__
#else
#define TA_KV_FN static inline
#endif

/* Where key channel c's packed row (byte i: codes i * 8 / bits .., SPEC section 4's packing) lies in the bytes of
 * one (block, head, batch): byte i at ta_kv_key_row(..) + i * ta_kv_key_pitch(..). At 4 and 2 bits the rows of
 * four consecutive channels are interleaved byte by byte, so that a 32-bit word holds one byte of each of
 * channels 4 q .. 4 q + 3: the INT8 mma's operand register (four channels of one token) is then a mask and a
 * shift of a word, with no byte transpose (NOTES-decode, session 29). A last quad of D % 4 channels is
 * interleaved over its channels. 8-bit rows stay whole. cb: bytes per channel row. */
TA_KV_FN int ta_kv_key_pitch(int D, int bits, int c)
{
    const int q0 = c & ~3;
    return bits == 8 ? 1 : (D - q0 < 4 ? D - q0 : 4);
}
TA_KV_FN int64_t ta_kv_key_row(int D, int64_t cb, int bits, int c)
{
    const int q0 = c & ~3;
    return bits == 8 ? (int64_t)c * cb : (int64_t)q0 * cb + (c - q0);
}

/* Where byte i of token t's packed value row of one (head, batch) lies in v_codes (ta_kv_value_pos: row, and byte
 * from v_head_off[h] + b vrow within it); vrow: bytes per row. At 4 and 2 bits the rows of four consecutive
 * tokens (t & ~3 ..) are interleaved byte by byte over the rectangle of those four rows: byte i of token t is
 * byte n = 4 i + t % 4 of the rectangle read row by row (row t & ~3 + n / vrow, column n % vrow). A word then holds
 * one byte of each of four tokens, as for keys (ta_kv_key_row), and each row keeps its place in v_codes. 8-bit rows
 * stay whole. */
typedef struct {
    int64_t row, col; /* v_codes row, and byte within the (head, batch) part of that row */
} ta_kv_vpos;
TA_KV_FN ta_kv_vpos ta_kv_value_pos(int64_t vrow, int bits, int64_t t, int64_t i)
{
    ta_kv_vpos p;
    if (bits == 8) {
        p.row = t, p.col = i;
    } else {
        const int64_t n = 4 * i + (t & 3);
        p.row = (t & ~(int64_t)3) + n / vrow, p.col = n % vrow;
    }
    return p;
}
/* The place of byte i + 1 after that of byte i of the same token, without ta_kv_value_pos' division: loops over a
 * row's bytes step with this (a division per byte made CPU decode about 1.5x slower, session 29). */
TA_KV_FN void ta_kv_value_next(ta_kv_vpos *p, int64_t vrow, int bits)
{
    for (p->col += bits == 8 ? 1 : 4; p->col >= vrow; p->col -= vrow) p->row++;
}

/* Bytes of one (block, head, batch) of packed keys, and of one (token, head, batch) of packed values. */
static inline int64_t ta_kv_key_bytes(int D, int block, int bits) { return (int64_t)D * ((block * bits + 7) / 8); }
static inline int64_t ta_kv_value_row_bytes(int D, int bits)
{
    int64_t total = 0;
    for (int c0 = 0; c0 < D; c0 += 64) {
        int len = D - c0 < 64 ? D - c0 : 64;
        total += (len * bits + 7) / 8;
    }
    return total;
}

#endif
