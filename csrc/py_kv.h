/* Reading a Python QuantizedKV (turboattn/kv.py) into the C view of the compressed cache, so every
 * binding that runs on a cache (compression here, attention in py_attn.c) checks it the same way. */
#ifndef TA_PY_KV_H
#define TA_PY_KV_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "kv.h"

/* Fills *out from the attributes of qkv named as in docs/DESIGN.md (B, H, D, block, n_blocks,
 * n_residual, bits, k_head_off, v_head_off, k_codes, k_group_step, k_group_zero, k_block_scale,
 * v_codes, v_group_step, v_group_zero, v_block_scale, residual_k, residual_v), checking dtypes,
 * shapes, contiguity and that the head offsets agree with bits. cap_blocks is the row count of the
 * arrays as given (a QuantizedKV exposes exactly its n_blocks used rows).
 * On success returns 0 and *keep holds a new reference that keeps every array alive (Py_XDECREF it when
 * done with *out); on failure returns -1 with TypeError/ValueError naming the attribute, *keep NULL. */
int ta_kv_from_pyobject(PyObject *qkv, ta_kv *out, PyObject **keep);

/* py_cuda_kv.c (CUDA cache, turboattn/cuda_kv.py): 1 when qkv says it lives in CUDA memory (a true
 * `is_cuda` attribute), 0 if not, -1 with an exception. ta_kv_from_pyobject hands such caches to
 * ta_cuda_kv_from_pyobject, which has its contract but fills *out with device pointers. */
int ta_cuda_kv_is_device(PyObject *qkv);
int ta_cuda_kv_from_pyobject(PyObject *qkv, ta_kv *out, PyObject **keep);

#ifdef TA_WITH_CUDA
/* New tokens k and v (appended to a CUDA cache of B, H, D, dtype name and device) checked against it: 0, or -1
 * with a ValueError or TypeError naming k_new or v_new. */
int ta_tokens_match_cache(const ta_view4 *k, const ta_view4 *v, int B, int H, int D, const char *dtype, int device);
#endif

#endif
