/* Argument checks shared by the CPU (quant.c) and CUDA (kv_compress.cu) compression paths, so both
 * refuse the same inputs with the same messages. */
#include "kv.h"
#include "ta_status.h"

static int check_source(const ta_kv *kv, const ta_view4 *x, const char *name, int64_t rows_needed, ta_device device)
{
    if (x->device != device) {
        ta_set_error("%s must be in %s memory for the %s path", name, device == TA_CUDA ? "CUDA" : "host",
                     device == TA_CUDA ? "CUDA" : "CPU");
        return TA_ERR_INVALID;
    }
    if (x->shape[0] != kv->B || x->shape[1] != kv->H || x->shape[3] != kv->D) {
        ta_set_error("%s must be [B=%d, H=%d, N, D=%d] like the cache (got [%lld, %lld, %lld, %lld])", name, kv->B,
                     kv->H, kv->D, (long long)x->shape[0], (long long)x->shape[1], (long long)x->shape[2],
                     (long long)x->shape[3]);
        return TA_ERR_INVALID;
    }
    if (x->shape[2] < rows_needed) {
        ta_set_error("%s has %lld rows, fewer than the %lld needed", name, (long long)x->shape[2],
                     (long long)rows_needed);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

int ta_kv_check_compress_args(const ta_kv *kv, const ta_view4 *k, const ta_view4 *v, int64_t blk0, int64_t nblk,
                              int64_t row0, ta_device device)
{
    if (blk0 < 0 || nblk < 0 || row0 < 0 || blk0 + nblk > kv->cap_blocks) {
        ta_set_error("blocks [%lld, %lld) do not fit the cache's %lld allocated blocks", (long long)blk0,
                     (long long)(blk0 + nblk), (long long)kv->cap_blocks);
        return TA_ERR_INVALID;
    }
    int64_t rows_needed = row0 + nblk * kv->block;
    int st;
    if ((st = check_source(kv, k, "k", rows_needed, device)) != TA_OK ||
        (st = check_source(kv, v, "v", rows_needed, device)) != TA_OK)
        return st;
    if (k->dtype != v->dtype) {
        ta_set_error("v must have the dtype of k");
        return TA_ERR_INVALID;
    }
    return TA_OK;
}
