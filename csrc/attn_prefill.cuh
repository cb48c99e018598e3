/* SPEC sections 2-3 on the GPU (prefill on dense q, k, v). ta_attention_cuda itself is declared in attn.h;
 * this header holds the stage's other C entry points, with no CUDA headers so C bindings can include it. */
#ifndef TA_ATTN_PREFILL_CUH
#define TA_ATTN_PREFILL_CUH

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device count, and for `device` (if it exists) its name and compute capability. Never sets an error:
 * returns TA_OK with *count = 0 when there is no driver or no device. */
int ta_cuda_device_info(int device, int *count, char *name, int name_len, int *major, int *minor);

/* Test hook: the kernel's paired half2 SAS EXP2 and the scalar ta_sas_exp2 of sas.h, both on the GPU,
 * on n host floats t (t <= 0 expected, -inf allowed). fast and reference are host outputs of n floats.
 * With inv > 0 both hold p8 codes instead: the EXP2_SAS_FAST kernels' (sas_code_pair_w of w = T + t) and one
 * FFMA rounding of ta_sas_exp2(w - T) * inv. */
int ta_cuda_sas_exp2_check(const float *t, int64_t n, int threshold, float inv, float *fast, float *reference);

#ifdef __cplusplus
}
#endif

#endif
