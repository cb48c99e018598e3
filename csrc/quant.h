/* SPEC section 1 (stage-1 INT8 blocks) and section 4 (stage-2 INT4/INT2 groups) on the CPU. */
#ifndef TA_QUANT_H
#define TA_QUANT_H

#include <stdint.h>
#include "kv.h"
#include "ta_tensor.h"

/* codes: [B, H, N, D] C-contiguous int8; scales: [B, H, ceil(N / block)] float32. */
int ta_quantize_int8_cpu(const ta_view4 *x, int block, int8_t *codes, float *scales, int n_threads);

/* Compresses nblk full blocks into kv blocks [blk0, blk0 + nblk): block blk0 + i takes rows
 * [row0 + i*block, row0 + (i+1)*block) of the k and v views ([B, H, >= rows, D]). */
int ta_kv_compress_cpu(ta_kv *kv, const ta_view4 *k, const ta_view4 *v, int64_t blk0, int64_t nblk, int64_t row0,
                       int n_threads);

/* Integer-only reconstruction of the compressed blocks to INT8: k8, v8 [B, H, n_blocks * block, D]. */
int ta_kv_reconstruct_int8_cpu(const ta_kv *kv, int8_t *k8, int8_t *v8, int n_threads);

#endif
