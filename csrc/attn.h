/* SPEC sections 2, 3 and 5: attention on INT8 codes with online softmax. One parameter struct serves
 * the CPU reference and the CUDA kernels, so both are called the same way from the bindings. */
#ifndef TA_ATTN_H
#define TA_ATTN_H

#include "kv.h"
#include "ta_tensor.h"

typedef struct {
    float sm_scale;    /* resolved by the caller (1/sqrt(D) by default) */
    int causal;        /* bottom-right aligned: key j masked for query i when j > i + (Nk - Nq) */
    int softmax_exact; /* 0: SAS EXP2 (sas.h), 1: exp2f */
    int sas_threshold; /* [0, TA_SAS_T_MAX] */
    int p_scale_fixed; /* 0: per-row ps = pmax / 255, 1: ps = 1 / 255 */
    int block_q;       /* query rows per INT8 block (64); ignored against a ta_kv (one row per block) */
    int block_k;       /* key rows per INT8 block (64) */
    int n_threads;     /* CPU only */
    /* Accuracy options beyond SPEC v1 (docs/DESIGN.md, "Accuracy options"): dense k/v on the CPU only
     * (the bindings reject them for CUDA tensors and for a ta_kv); all 0 keeps SPEC v1 numerics. */
    int qk_scale_token; /* one INT8 scale per row of Q and per key of K instead of per block */
    int k_smooth;       /* subtract each channel's mean over the keys of a (batch, KV head) from K */
    int qk_equalize;    /* per channel c: Q_c * s_c and K_c / s_c, s_c = sqrt(max|K_c| / max|Q_c|) */
} ta_attn_params;

/* q [B, Hq, Nq, D], k and v [B, Hkv, Nk, D] (Hq % Hkv == 0); out [B, Hq, Nq, D] writable, any float
 * dtype; lse float32 [B, Hq, Nq] C-contiguous or NULL. Returns a ta_status. */
int ta_attention_cpu(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                     const ta_view4 *out, float *lse);

/* Same against a compressed cache (SPEC section 5): keys 0..n_tokens-1 are the kv's blocks then its residual rows. */
int ta_attention_kv_cpu(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out, float *lse);

#ifdef TA_WITH_CUDA
#ifdef __cplusplus
extern "C" {
#endif
/* The CUDA path (attn_prefill.cu, attn_decode.cu): same parameters and views, device pointers; lse is a
 * device float32 [B, Hq, Nq] buffer or NULL. Return a ta_status (TA_ERR_CUDA with the CUDA error text). */
int ta_attention_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                      const ta_view4 *out, float *lse);
int ta_attention_kv_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out,
                         float *lse);
/* A decode step that appends: k_new and v_new (CUDA views [B, H, n, D], 1 <= n, of the cache's dtype) are copied
 * into rows [n_residual - n, n_residual) of kv's residual window, where kv->n_residual already counts them, and q
 * attends to the cache so grown. One wait, for the checks of all three: a non-finite k_new or v_new gives
 * TA_ERR_INVALID naming it (names[0], names[1]; before q's), and out and lse stay as they were. The caller makes the
 * counts its own only on TA_OK; the window's rows past the old count are then the only memory changed. */
int ta_attention_kv_step_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_kv *kv, const ta_view4 *out,
                              float *lse, const ta_view4 *k_new, const ta_view4 *v_new, const char *const *names);
#ifdef __cplusplus
}
#endif
#endif

#endif
