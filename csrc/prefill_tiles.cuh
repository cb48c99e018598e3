/* The shared-memory tile images of the attention pre-pass (quant.cu writes them, attn_prefill.cu copies
 * them into shared memory unchanged and reads them with ldmatrix).
 *
 * A K tile is 64 key rows of d bytes, a V^T tile d channel rows of 64 keys. Their 16-byte chunks are
 * XOR-swizzled by row so that the 8 row addresses of one ldmatrix phase fall in 8 different bank groups;
 * with the swizzle baked into global memory a whole tile is one contiguous copy. */
#ifndef TA_PREFILL_TILES_CUH
#define TA_PREFILL_TILES_CUH

/* Position of 16-byte chunk `chunk` of K row `row` when rows are d bytes long. */
__host__ __device__ __forceinline__ int ta_k_chunk(int d, int row, int chunk)
{
    return (d / 16 >= 8) ? (chunk ^ (row & 7)) : (chunk ^ ((row >> 1) & 3));
}

/* Position of chunk `chunk` (keys 16*chunk .. 16*chunk + 15) of V^T row `row` (64-byte rows). */
__host__ __device__ __forceinline__ int ta_vt_chunk(int row, int chunk) { return chunk ^ ((row >> 1) & 3); }

/* Inside each chunk of a V^T row, byte p holds key ta_vt_key_of_pos(p) of the chunk. The QK^T accumulator
 * of lane (g, t) holds keys 2t, 2t+1 of every 8-key tile; packing those as P's A fragment puts keys
 * {2t, 2t+1, 8+2t, 9+2t} where the mma expects k = 4t..4t+3, so V's rows are stored in that order. */
__host__ __device__ __forceinline__ int ta_vt_key_of_pos(int p) { return ((p & 3) >> 1) * 8 + 2 * (p >> 2) + (p & 1); }

#endif
