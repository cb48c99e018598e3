/* SPEC section 1 on the GPU: stage-1 INT8 blocks of 64 rows. Plain C declarations (no CUDA headers), so
 * C bindings can include this file. */
#ifndef TA_QUANT_CUH
#define TA_QUANT_CUH

#include <stdint.h>

#include "ta_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Same contract as ta_quantize_int8_cpu and bit-identical results for identical input: x is a CUDA view
 * [B, H, N, D]; codes device int8 [B, H, N, D] C-contiguous; scales device float32 [B, H, ceil(N / 64)].
 * block must be 64 on CUDA. Synchronises once to read the NaN/Inf flag: TA_ERR_INVALID ("x contains
 * NaN or Inf ...") when x is not finite. */
int ta_quantize_int8_cuda(const ta_view4 *x, int block, int8_t *codes, float *scales);

/* Where the attention pre-pass writes its INT8 operands (device memory, all from one scratch block).
 * Rows are padded to whole 64-row blocks and the head dim to d_pad (64, 128 or 256) with zero codes,
 * so the attention kernel never needs a bounds check on loads:
 *   q_codes  [B, Hq,  nq_pad, d_pad]
 *   k_codes  [B, Hkv, nk_pad, d_pad]  each 64-row block is a K tile image (prefill_tiles.cuh)
 *   vt_codes [B, Hkv, nk_pad / 64, d_pad, 64]  per 64-key block a V^T tile image (prefill_tiles.cuh):
 *            V transposed so that P.V's B operand has keys contiguous, in the key order that makes the
 *            P fragments the QK^T accumulators already hold a valid A operand without a shuffle
 *   q_scale [B, Hq, nq_pad / 64], k_scale and v_scale [B, Hkv, nk_pad / 64]
 *   bad_input[3] (device) and bad_host[3] (mapped host memory): set to `epoch` when q, k, v (in that order)
 *            hold a NaN or Inf. The call's epoch tells this call's flags from earlier calls' without clearing
 *            them first (no memset ahead of the pre-pass). */
typedef struct {
    int8_t *q_codes, *k_codes, *vt_codes;
    float *q_scale, *k_scale, *v_scale;
    int *bad_input, *bad_host;
    int epoch;
    int64_t nq_pad, nk_pad;
    int d_pad;
} ta_prefill_operands;

/* Launches the pre-pass on the legacy default stream (one kernel for q, k and v; no synchronisation, no
 * clearing of the flags: see bad_input above). */
int ta_prefill_quantize_cuda(const ta_view4 *q, const ta_view4 *k, const ta_view4 *v, const ta_prefill_operands *dst);

#ifdef __cplusplus
}
#endif

#endif
