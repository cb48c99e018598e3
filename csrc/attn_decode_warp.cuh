/* The per-warp tensor-core decode kernel (attn_decode_warp.cu) as the decode launcher sees it. */
#ifndef TA_ATTN_DECODE_WARP_CUH
#define TA_ATTN_DECODE_WARP_CUH

#include "attn_decode_common.cuh"

/* For the current device `device` (< TA_MAX_DEVICES): whether the kernel handles these arguments (a table row for the
 * head dim, rows and head widths; at least one compressed block); if so, sets a->bps for sm_count SMs (forced_bps > 0
 * overrides, capped by the score store) and a->res_warp (the residual split in this kernel too, when a->has_res).
 * Returns a ta_status. */
int dec_warp_plan(dec_args *a, int device, int sm_count, int forced_bps, int *usable);

/* The most query rows a work item of head dim D takes in one of the kernel's few-row forms (4), or 0 when the launcher
 * should keep items of up to 16 rows: the kernel has no few-row form for a cache whose heads are max_bits to min_bits
 * wide at D, or (8-bit heads) a general form takes them. */
int dec_warp_few_rows(int D, int max_bits, int min_bits);

/* Launches work items [0, a->n_items) on the legacy default stream; a->ticket must be zero. pdl: as a programmatic
 * dependent launch behind the kernel before it (dec_residual_image_kernel). */
int dec_warp_launch(const dec_args *a, int device, int pdl);

#endif
