/* SPEC section 4 on the GPU: the compressed KV cache's stage-1 and stage-2 compression, and the small
 * device helpers the CUDA cache (turboattn/cuda_kv.py) needs to grow and fill itself. Plain C
 * declarations (no CUDA headers) so the C bindings can include this file. Every pointer is device
 * memory; every launch goes to the legacy default stream. */
#ifndef TA_KV_COMPRESS_CUH
#define TA_KV_COMPRESS_CUH

#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "ta_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Same contract as ta_kv_compress_cpu (quant.h) with device pointers in kv, k and v, and byte-identical
 * codes, steps, zeros and scales for identical input. kv->block must be 64. No synchronisation. */
int ta_kv_compress_cuda(ta_kv *kv, const ta_view4 *k, const ta_view4 *v, int64_t blk0, int64_t nblk, int64_t row0);

/* TA_ERR_INVALID ("<names[i]> contains NaN or Inf", the first such i) when one of `count` (at most
 * TA_FINITE_MAX) CUDA views on one device holds a non-finite value. Synchronises once (it must answer
 * before the caller changes anything). */
#define TA_FINITE_MAX 2
int ta_check_finite_cuda(const ta_view4 *const *x, const char *const *names, int count);

/* append()'s new tokens: TA_ERR_INVALID ("<names[i]> contains NaN or Inf", k first) when k or v (CUDA views of
 * one shape and dtype) holds a non-finite value; also copies their first `fill` rows into rows [row0, row0 +
 * fill) of rk and rv (the residual window; unused when fill is 0), whatever it finds. One launch, and one wait
 * for that kernel's answer. */
int ta_take_tokens_cuda(const ta_view4 *k, const ta_view4 *v, const char *const *names, const ta_view4 *rk,
                        const ta_view4 *rv, int64_t row0, int64_t fill);

/* ta_take_tokens_cuda in two halves around other launches (a decode step that appends, attn_decode.cu): begin
 * launches the kernel, which also sets *refuse = refuse_value (refuse may be NULL) when k or v is not finite, so
 * that a later kernel of the stream can decline to write; end waits for its answer and returns the status
 * ta_take_tokens_cuda would have. Every begin that returned TA_OK must be followed by one end: begin holds a lock
 * that end lets go. The caller enters k's device around both. With pdl (sm_90) the kernel is a programmatic
 * dependent launch: it waits for the kernel before it, then lets the next launch of the stream start beside it.
 * With refuse set, begin records nothing behind it, so that the caller's next launch follows it directly, and end
 * records the wait's way out behind the caller's launches. */
typedef struct {
    int dev;
    unsigned call;
    int mark_at_end; /* end records the way-out event (ta_wait_mapped_word) before it waits */
} ta_take_ticket;
int ta_take_tokens_begin(const ta_view4 *k, const ta_view4 *v, const ta_view4 *rk, const ta_view4 *rv, int64_t row0,
                         int64_t fill, unsigned *refuse, unsigned refuse_value, int pdl, ta_take_ticket *ticket);
int ta_take_tokens_end(const ta_take_ticket *ticket, const char *const *names);

/* Copies rows [src_row0, src_row0 + rows) of src into rows [dst_row0, ...) of dst (both CUDA views
 * [B, H, *, D] of one dtype, any strides). */
int ta_copy_rows_cuda(const ta_view4 *dst, int64_t dst_row0, const ta_view4 *src, int64_t src_row0, int64_t rows);

/* Device-to-device copy of nbytes (the used prefix of an array when the cache doubles its capacity). */
int ta_copy_bytes_cuda(void *dst, const void *src, size_t nbytes, int device_id);

#ifdef __cplusplus
}
#endif

#endif
