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
    int64_t KB, VB;        /* bytes per row of k_codes and of v_codes (one block each) */
    const uint8_t *bits;       /* [H] */
    int mixed_bits;            /* 1 when the heads do not all have the same bits (set by the CUDA binding) */
    const uint8_t *bits_host;  /* [H], host copy of bits (CUDA binding; NULL elsewhere) */
    const int64_t *k_head_off; /* [H] byte offset of head h within a k_codes row */
    const int64_t *v_head_off; /* [H] byte offset of head h within a v_codes row (one block) */
    uint8_t *k_codes;          /* [cap_blocks, KB] */
    uint8_t *k_group_step;     /* [cap_blocks, H, B, D] */
    int8_t *k_group_zero;      /* [cap_blocks, H, B, D] */
    float *k_block_scale;      /* [cap_blocks, H, B] */
    uint8_t *v_codes;          /* [cap_blocks, VB] */
    uint8_t *v_group_step;     /* [cap_blocks, H, B, block, G] */
    int8_t *v_group_zero;      /* [cap_blocks, H, B, block, G] */
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

/* Where token r's packed value row (byte i: SPEC section 4's packing of its groups, one after another) lies in the
 * bytes of one (block, head, batch), r < block: byte i at ta_kv_value_row(..) + i * ta_kv_value_pitch(..). The
 * block's rows are contiguous (r vrow), like a key block's channels, so that a decode kernel reads a (block, head,
 * batch) as one run; token-major rows, one per cache row, read at about 2/3 of that bandwidth (NOTES-decode, session
 * 30). At 4 and 2 bits the rows of four consecutive tokens are interleaved byte by byte over their 4 vrow bytes, so
 * that a word holds byte i of tokens 4 m .. 4 m + 3 (the p.v operand's four tokens of one channel pair), as for keys
 * (ta_kv_key_row). 8-bit rows stay whole. vrow: bytes per row (ta_kv_value_row_bytes). */
TA_KV_FN int ta_kv_value_pitch(int bits) { return bits == 8 ? 1 : 4; }
TA_KV_FN int64_t ta_kv_value_row(int64_t vrow, int bits, int r)
{
    return bits == 8 ? (int64_t)r * vrow : (int64_t)(r & ~3) * vrow + (r & 3);
}

/* Bytes of one (block, head, batch) of packed keys, of one (token, head, batch) of packed values (a row), and of one
 * (block, head, batch) of packed values. */
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
static inline int64_t ta_kv_value_bytes(int D, int block, int bits) { return block * ta_kv_value_row_bytes(D, bits); }

#endif
