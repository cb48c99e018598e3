/* SPEC section 5 on the GPU: attention of a few query rows against the compressed KV cache. Plain C
 * declarations (no CUDA headers) so the C bindings can include this file. */
#ifndef TA_ATTN_DECODE_CUH
#define TA_ATTN_DECODE_CUH

#include "attn.h"
#include "kv.h"
#include "ta_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Same contract as ta_attention_kv_cpu (attn.h) with CUDA views and a cache whose arrays are device
 * memory (kv->block must be 64, D a multiple of 16 up to 256); lse is device float32 [B, Hq, Nq]
 * C-contiguous or NULL. Outputs agree with the CPU path to float summation order (the sequence is split
 * across thread blocks and merged with the same EXP2). Launches on the legacy default stream, returns
 * without synchronising. */
int ta_attention_kv_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out, float *lse);

/* Test and benchmark knobs: blocks per split, and query rows per work item (1 to 16); 0 = automatic. */
void ta_decode_set_blocks_per_split(int blocks);
void ta_decode_set_rows_per_item(int rows);

/* What the process's last decode call chose (benchmarks; calls hold the decode lock while they write it): the kernel
 * (1: the per-warp kernel, 0: the CTA kernel alone), blocks per split, splits, whether the residual rows ran in the
 * warp kernel, the warp kernel's resident CTAs per SM as the plan counted them (0 when it did not run), and the
 * query rows per work item. */
typedef struct {
    int warp, bps, n_split, res_warp, ctas, rt;
} ta_decode_plan;
ta_decode_plan ta_decode_last_plan(void);

#ifdef __cplusplus
}
#endif

#endif
