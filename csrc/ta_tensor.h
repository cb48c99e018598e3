/* A strided 4-D view of someone else's memory: how every entry point receives q, k, v and outputs.
 * Strides are in elements so BNHD inputs are BHND views with permuted strides, never copies. */
#ifndef TA_TENSOR_H
#define TA_TENSOR_H

#include <stdint.h>

typedef enum { TA_F32 = 0, TA_F16 = 1, TA_BF16 = 2 } ta_dtype;
typedef enum { TA_CPU = 1, TA_CUDA = 2 } ta_device; /* numbered as DLPack's kDLCPU, kDLCUDA */

typedef struct {
    void *data;
    ta_dtype dtype;
    ta_device device;
    int device_id;
    int64_t shape[4];  /* B, H, N, D after any layout permutation */
    int64_t stride[4]; /* elements, may be any sign; never zero for a dimension of size > 1 */
} ta_view4;

static inline int64_t ta_offset(const ta_view4 *t, int64_t b, int64_t h, int64_t n, int64_t d)
{
    return b * t->stride[0] + h * t->stride[1] + n * t->stride[2] + d * t->stride[3];
}

static inline int ta_dtype_size(ta_dtype dt) { return dt == TA_F32 ? 4 : 2; }

#ifndef __CUDACC__
#include "ta_half.h"

static inline float ta_load(const ta_view4 *t, int64_t off)
{
    switch (t->dtype) {
    case TA_F16: return ta_f16_to_f32(((const uint16_t *)t->data)[off]);
    case TA_BF16: return ta_bf16_to_f32(((const uint16_t *)t->data)[off]);
    default: return ((const float *)t->data)[off];
    }
}

static inline void ta_store(const ta_view4 *t, int64_t off, float x)
{
    switch (t->dtype) {
    case TA_F16: ((uint16_t *)t->data)[off] = ta_f32_to_f16(x); break;
    case TA_BF16: ((uint16_t *)t->data)[off] = ta_f32_to_bf16(x); break;
    default: ((float *)t->data)[off] = x; break;
    }
}
#endif

#endif
