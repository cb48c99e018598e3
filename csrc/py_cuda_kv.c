/* Bindings of the CUDA compressed KV cache (turboattn/cuda_kv.py) and its decode attention, and the
 * reader that turns a CudaQuantizedKV into a ta_kv of device pointers (py_kv.h sends CUDA caches here).
 * cuda_kv.py owns allocation and the user-facing argument checks; these bindings re-check whatever
 * could make a kernel read or write out of bounds. Built without CUDA, every entry raises RuntimeError. */
#include "bindings.h"
#include "buffers.h"
#include "py_kv.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attn.h"
#include "kv.h"
#include "ta_consts.h"
#include "ta_status.h"
#ifdef TA_WITH_CUDA
#include "attn_decode.cuh"
#include "kv_compress.cuh"
#endif

#ifndef TA_WITH_CUDA
static PyObject *no_cuda(void)
{
    PyErr_SetString(PyExc_RuntimeError, "turboattn was built without CUDA");
    return NULL;
}
#endif

/* ---- CudaQuantizedKV -> ta_kv --------------------------------------------------------------------- */

int ta_cuda_kv_is_device(PyObject *qkv)
{
    PyObject *flag = PyObject_GetAttrString(qkv, "is_cuda");
    if (!flag) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
        PyErr_Clear();
        return 0;
    }
    int yes = PyObject_IsTrue(flag);
    Py_DECREF(flag);
    return yes;
}

static int get_int(PyObject *qkv, const char *attr, int64_t lo, int64_t hi, int64_t *out)
{
    PyObject *o = PyObject_GetAttrString(qkv, attr);
    if (!o) return -1;
    long long value = PyLong_Check(o) || PyIndex_Check(o) ? PyLong_AsLongLong(o) : -1;
    int bad_type = !(PyLong_Check(o) || PyIndex_Check(o));
    Py_DECREF(o);
    if (bad_type) {
        PyErr_Format(PyExc_TypeError, "kv.%s must be an integer", attr);
        return -1;
    }
    if (value == -1 && PyErr_Occurred()) return -1;
    if (value < lo || value > hi) {
        PyErr_Format(PyExc_ValueError, "kv.%s must be in [%lld, %lld] (got %lld)", attr, (long long)lo, (long long)hi,
                     value);
        return -1;
    }
    *out = value;
    return 0;
}

/* A host NumPy array attribute (bits and head offsets, read for validation), parked in keep. */
static PyArrayObject *get_host(PyObject *qkv, const char *attr, int typenum, int64_t n, PyObject *keep)
{
    char name[64];
    snprintf(name, sizeof name, "kv.%s", attr);
    PyObject *o = PyObject_GetAttrString(qkv, attr);
    if (!o) return NULL;
    int parked = PyList_Append(keep, o);
    Py_DECREF(o);
    if (parked < 0 || !ta_require_array(o, name, typenum, 1, 0)) return NULL;
    if (PyArray_DIM((PyArrayObject *)o, 0) != n) {
        PyErr_Format(PyExc_ValueError, "%s must have %lld entries (got %lld)", name, (long long)n,
                     (long long)PyArray_DIM((PyArrayObject *)o, 0));
        return NULL;
    }
    return (PyArrayObject *)o;
}

/* A DeviceArray attribute of dtype and shape (-1: any size, reported back), parked in keep. */
static void *get_device(PyObject *qkv, const char *attr, const char *dtype, int ndim, int64_t *shape, int device_id,
                        PyObject *keep)
{
    char name[64];
    snprintf(name, sizeof name, "kv.%s", attr);
    PyObject *o = PyObject_GetAttrString(qkv, attr);
    if (!o) return NULL;
    int parked = PyList_Append(keep, o);
    Py_DECREF(o);
    ta_device_buffer buf;
    if (parked < 0 || ta_device_buffer_from_object(o, name, dtype, ndim, &buf) < 0) return NULL;
    for (int i = 0; i < ndim; i++)
        if (shape[i] >= 0 && shape[i] != buf.shape[i]) {
            PyErr_Format(PyExc_ValueError, "%s has dimension %d of size %lld (expected %lld)", name, i,
                         (long long)buf.shape[i], (long long)shape[i]);
            return NULL;
        }
    for (int i = 0; i < ndim; i++) shape[i] = buf.shape[i];
    if (device_id >= 0 && buf.device_id != device_id) {
        PyErr_Format(PyExc_ValueError, "%s is on cuda:%d but the cache is on cuda:%d", name, buf.device_id, device_id);
        return NULL;
    }
    if (buf.nbytes == 0) { /* a zero-row array has no memory; kernels never touch it */
        static char empty;
        return &empty;
    }
    return buf.data;
}

/* The view of a CudaQuantizedKV apart from its two counts, kept on the cache as `_c_kv`: a decode step reads two
 * integers instead of re-reading and re-checking thirteen arrays, about 7 us of a 0.1 ms one-row step on the host
 * before the first launch (NOTES-decode, session 21). The cache sets `_c_kv = None` whenever it replaces an array
 * (cuda_kv.py, _reserve); its arrays are otherwise read-only attributes. `keep` holds every object the pointers
 * come from, so a view outlives nothing it points into. */
typedef struct {
    ta_kv kv;
    PyObject *keep;
} kv_view_template;

#define KV_VIEW_CAPSULE "turboattn.cuda_kv_view"

static void kv_view_template_free(PyObject *capsule)
{
    kv_view_template *t = (kv_view_template *)PyCapsule_GetPointer(capsule, KV_VIEW_CAPSULE);
    if (!t) {
        PyErr_Clear();
        return;
    }
    Py_XDECREF(t->keep);
    PyMem_Free(t);
}

/* n_blocks and n_residual of a cache whose arrays hold cap blocks, with the messages of the full read. */
static int kv_counts(PyObject *qkv, int64_t block, int64_t cap, int64_t *n_blocks, int64_t *n_residual)
{
    if (get_int(qkv, "n_blocks", 0, INT64_MAX / 2, n_blocks) < 0 || get_int(qkv, "n_residual", 0, block - 1, n_residual) < 0)
        return -1;
    if (*n_blocks > cap) {
        PyErr_Format(PyExc_ValueError, "kv.n_blocks (%lld) exceeds the %lld rows of kv.k_codes", (long long)*n_blocks,
                     (long long)cap);
        return -1;
    }
    return 0;
}

/* 1 with *kv filled and *keep the capsule when qkv carries a view; 0 when it has none (*cacheable: it has the
 * attribute, set to None, so a view made now can be stored); -1 with an exception. */
static int kv_from_template(PyObject *qkv, ta_kv *kv, PyObject **keep, int *cacheable)
{
    *cacheable = 0;
    PyObject *held = PyObject_GetAttrString(qkv, "_c_kv");
    if (!held) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
        PyErr_Clear();
        return 0;
    }
    if (!PyCapsule_IsValid(held, KV_VIEW_CAPSULE)) {
        *cacheable = held == Py_None;
        Py_DECREF(held);
        return 0;
    }
    const kv_view_template *t = (const kv_view_template *)PyCapsule_GetPointer(held, KV_VIEW_CAPSULE);
    int64_t n_blocks, n_residual;
    if (kv_counts(qkv, t->kv.block, t->kv.cap_blocks, &n_blocks, &n_residual) < 0) {
        Py_DECREF(held);
        return -1;
    }
    *kv = t->kv;
    kv->n_blocks = n_blocks, kv->n_residual = n_residual;
    *keep = held;
    return 1;
}

/* Stores the view just read on the cache; a failure only costs the next call the full read. */
static void kv_store_template(PyObject *qkv, const ta_kv *kv, PyObject *list)
{
    kv_view_template *t = (kv_view_template *)PyMem_Malloc(sizeof *t);
    PyObject *capsule = t ? PyCapsule_New(t, KV_VIEW_CAPSULE, kv_view_template_free) : NULL;
    if (!capsule) {
        PyMem_Free(t);
        PyErr_Clear();
        return;
    }
    t->kv = *kv;
    Py_INCREF(list);
    t->keep = list;
    if (PyObject_SetAttrString(qkv, "_c_kv", capsule) < 0) PyErr_Clear();
    Py_DECREF(capsule);
}

int ta_cuda_kv_from_pyobject(PyObject *qkv, ta_kv *kv, PyObject **keep)
{
    int64_t B, H, D, block, n_blocks, n_residual;
    int cacheable = 0;
    *keep = NULL;
    int held = kv_from_template(qkv, kv, keep, &cacheable);
    if (held != 0) return held < 0 ? -1 : 0;
    PyObject *list = PyList_New(0);
    if (!list) return -1;
    if (get_int(qkv, "B", 1, INT_MAX, &B) < 0 || get_int(qkv, "H", 1, INT_MAX, &H) < 0 ||
        get_int(qkv, "D", 1, 256, &D) < 0 || get_int(qkv, "block", TA_BK, TA_BK, &block) < 0 ||
        get_int(qkv, "n_blocks", 0, INT64_MAX / 2, &n_blocks) < 0 ||
        get_int(qkv, "n_residual", 0, block - 1, &n_residual) < 0)
        goto fail;
    memset(kv, 0, sizeof *kv);
    kv->B = (int)B, kv->H = (int)H, kv->D = (int)D, kv->block = (int)block;
    kv->G = (int)((D + TA_KV_GROUP - 1) / TA_KV_GROUP);
    kv->n_blocks = n_blocks, kv->n_residual = n_residual;

    PyArrayObject *bits_h = get_host(qkv, "bits", NPY_UINT8, H, list);
    PyArrayObject *koff_h = bits_h ? get_host(qkv, "k_head_off", NPY_INT64, H, list) : NULL;
    PyArrayObject *voff_h = koff_h ? get_host(qkv, "v_head_off", NPY_INT64, H, list) : NULL;
    if (!voff_h) goto fail;
    const uint8_t *bits = PyArray_DATA(bits_h);
    kv->bits_host = bits; /* kept alive by `list` for the call */
    const int64_t *koff = PyArray_DATA(koff_h), *voff = PyArray_DATA(voff_h);
    int64_t k_off = 0, v_off = 0;
    for (int h = 0; h < H; h++) {
        if (bits[h] != 2 && bits[h] != 4 && bits[h] != 8) {
            PyErr_Format(PyExc_ValueError, "kv.bits[%d] must be 2, 4 or 8 (got %d)", h, bits[h]);
            goto fail;
        }
        if (koff[h] != k_off || voff[h] != v_off) {
            PyErr_Format(PyExc_ValueError, "kv.k_head_off / kv.v_head_off disagree with kv.bits at head %d", h);
            goto fail;
        }
        kv->mixed_bits |= bits[h] != bits[0];
        k_off += B * ta_kv_key_bytes((int)D, (int)block, bits[h]);
        v_off += B * ta_kv_value_bytes((int)D, (int)block, bits[h]);
    }
    kv->KB = k_off, kv->VB = v_off;

    PyObject *rk = PyObject_GetAttrString(qkv, "residual_k"), *alive = NULL;
    if (!rk) goto fail;
    int rc = ta_view_from_object(rk, "kv.residual_k", &kv->residual_k, &alive);
    Py_DECREF(rk);
    if (rc < 0 || PyList_Append(list, alive) < 0) {
        Py_XDECREF(alive);
        goto fail;
    }
    Py_DECREF(alive);
    PyObject *rv = PyObject_GetAttrString(qkv, "residual_v");
    if (!rv) goto fail;
    rc = ta_view_from_object(rv, "kv.residual_v", &kv->residual_v, &alive);
    Py_DECREF(rv);
    if (rc < 0 || PyList_Append(list, alive) < 0) {
        Py_XDECREF(alive);
        goto fail;
    }
    Py_DECREF(alive);
    for (int which = 0; which < 2; which++) {
        const ta_view4 *r = which ? &kv->residual_v : &kv->residual_k;
        if (r->device != TA_CUDA || r->shape[0] != B || r->shape[1] != H || r->shape[2] != block || r->shape[3] != D ||
            r->dtype != kv->residual_k.dtype || r->device_id != kv->residual_k.device_id) {
            PyErr_Format(PyExc_ValueError, "kv.%s must be a CUDA array [%lld, %lld, %lld, %lld] like kv.residual_k",
                         which ? "residual_v" : "residual_k", (long long)B, (long long)H, (long long)block, (long long)D);
            goto fail;
        }
    }
    int dev = kv->residual_k.device_id;

    int64_t s_h[1] = {H};
    if (!(kv->bits = get_device(qkv, "bits_device", "uint8", 1, s_h, dev, list))) goto fail;
    if (!(kv->k_head_off = get_device(qkv, "k_head_off_device", "int64", 1, s_h, dev, list))) goto fail;
    if (!(kv->v_head_off = get_device(qkv, "v_head_off_device", "int64", 1, s_h, dev, list))) goto fail;
    int64_t s_kc[2] = {-1, kv->KB};
    if (!(kv->k_codes = get_device(qkv, "k_codes", "uint8", 2, s_kc, dev, list))) goto fail;
    int64_t cap = s_kc[0];
    if (n_blocks > cap) {
        PyErr_Format(PyExc_ValueError, "kv.n_blocks (%lld) exceeds the %lld rows of kv.k_codes", (long long)n_blocks,
                     (long long)cap);
        goto fail;
    }
    kv->cap_blocks = cap;
    int64_t s_kg[4] = {cap, H, B, D}, s_ks[3] = {cap, H, B};
    int64_t s_vc[2] = {cap, kv->VB}, s_vg[5] = {cap, H, B, block, kv->G}, s_vs[3] = {cap, H, B};
    if (!(kv->k_group_step = get_device(qkv, "k_group_step", "uint8", 4, s_kg, dev, list))) goto fail;
    if (!(kv->k_group_zero = get_device(qkv, "k_group_zero", "int8", 4, s_kg, dev, list))) goto fail;
    if (!(kv->k_block_scale = get_device(qkv, "k_block_scale", "float32", 3, s_ks, dev, list))) goto fail;
    if (!(kv->v_codes = get_device(qkv, "v_codes", "uint8", 2, s_vc, dev, list))) goto fail;
    if (!(kv->v_group_step = get_device(qkv, "v_group_step", "uint8", 5, s_vg, dev, list))) goto fail;
    if (!(kv->v_group_zero = get_device(qkv, "v_group_zero", "int8", 5, s_vg, dev, list))) goto fail;
    if (!(kv->v_block_scale = get_device(qkv, "v_block_scale", "float32", 3, s_vs, dev, list))) goto fail;
    if (cacheable) kv_store_template(qkv, kv, list);
    *keep = list;
    return 0;
fail:
    Py_DECREF(list);
    return -1;
}

/* ---- bindings ------------------------------------------------------------------------------------- */

#ifdef TA_WITH_CUDA
static int cuda_view(PyObject *obj, const char *name, ta_view4 *view, PyObject **keep, int writable)
{
    int rc = writable ? ta_view_from_object_writable(obj, name, view, keep) : ta_view_from_object(obj, name, view, keep);
    if (rc < 0) return -1;
    if (view->device != TA_CUDA) {
        PyErr_Format(PyExc_ValueError, "%s must be a CUDA array (got host memory)", name);
        Py_CLEAR(*keep);
        return -1;
    }
    return 0;
}
#endif

static PyObject *py_cuda_kv_compress(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"kv", "k", "v", "blk0", "nblk", "row0", NULL};
    PyObject *kv_obj, *k_obj, *v_obj;
    long long blk0, nblk, row0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOLLL:cuda_kv_compress", kwlist, &kv_obj, &k_obj, &v_obj, &blk0,
                                     &nblk, &row0))
        return NULL;
#ifdef TA_WITH_CUDA
    PyObject *kv_keep = NULL, *k_keep = NULL, *v_keep = NULL;
    ta_kv kv;
    ta_view4 k, v;
    int st;
    if (ta_cuda_kv_from_pyobject(kv_obj, &kv, &kv_keep) < 0) return NULL;
    if (cuda_view(k_obj, "k", &k, &k_keep, 0) < 0 || cuda_view(v_obj, "v", &v, &v_keep, 0) < 0) goto fail;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_kv_compress_cuda(&kv, &k, &v, blk0, nblk, row0);
    Py_END_ALLOW_THREADS
    if (st != TA_OK) {
        ta_raise_status(st);
        goto fail;
    }
    Py_DECREF(kv_keep);
    Py_DECREF(k_keep);
    Py_DECREF(v_keep);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(kv_keep);
    Py_XDECREF(k_keep);
    Py_XDECREF(v_keep);
    return NULL;
#else
    return no_cuda();
#endif
}

#ifdef TA_WITH_CUDA
/* The checks of cuda_take_tokens, in the order and wording CudaQuantizedKV used to apply them in Python. */
int ta_tokens_match_cache(const ta_view4 *k, const ta_view4 *v, int B, int H, int D, const char *dtype, int device)
{
    if (k->device != TA_CUDA || v->device != TA_CUDA || k->device_id != device || v->device_id != device) {
        PyErr_Format(PyExc_ValueError, "k_new and v_new must be on cuda:%d (got %s:%d and %s:%d)", device,
                     k->device == TA_CUDA ? "cuda" : "cpu", k->device_id, v->device == TA_CUDA ? "cuda" : "cpu",
                     v->device_id);
        return -1;
    }
    if (strcmp(ta_dtype_name(k->dtype), dtype) != 0 || strcmp(ta_dtype_name(v->dtype), dtype) != 0) {
        PyErr_Format(PyExc_TypeError, "k_new and v_new must have the cache's dtype %s (got %s, %s)", dtype,
                     ta_dtype_name(k->dtype), ta_dtype_name(v->dtype));
        return -1;
    }
    for (int i = 0; i < 4; i++)
        if (v->shape[i] != k->shape[i]) {
            PyErr_Format(PyExc_ValueError, "v_new must have the shape of k_new (got [%lld, %lld, %lld, %lld], expected "
                         "[%lld, %lld, %lld, %lld])", (long long)v->shape[0], (long long)v->shape[1],
                         (long long)v->shape[2], (long long)v->shape[3], (long long)k->shape[0], (long long)k->shape[1],
                         (long long)k->shape[2], (long long)k->shape[3]);
            return -1;
        }
    if (k->shape[0] != B || k->shape[1] != H || k->shape[3] != D) {
        PyErr_Format(PyExc_ValueError, "k_new must have the cache's B, H, D (got B=%lld, H=%lld, D=%lld, expected B=%d, "
                     "H=%d, D=%d)", (long long)k->shape[0], (long long)k->shape[1], (long long)k->shape[3], B, H, D);
        return -1;
    }
    return 0;
}
#endif

/* append()'s per-call work in one binding, so that k_new and v_new are imported through DLPack once:
 * validation against the cache, then one kernel (ta_take_tokens_cuda) for the NaN/Inf check and the copy of the
 * first min(n, room) rows into the residual window at row `row`. Returns n, the number of new tokens. */
static PyObject *py_cuda_take_tokens(PyObject *self, PyObject *args)
{
    PyObject *k_obj, *v_obj, *rk_obj, *rv_obj;
    int B, H, D, device;
    const char *dtype;
    long long row, room;
    const char *names[2] = {"k_new", "v_new"}; /* what errors call the arrays: append()'s, or the caller's k, v */
    if (!PyArg_ParseTuple(args, "OOiiisiOOLL|ss:cuda_take_tokens", &k_obj, &v_obj, &B, &H, &D, &dtype, &device,
                          &rk_obj, &rv_obj, &row, &room, &names[0], &names[1]))
        return NULL;
#ifdef TA_WITH_CUDA
    PyObject *keep[4] = {NULL, NULL, NULL, NULL};
    ta_view4 k, v, rk, rv;
    memset(&rk, 0, sizeof rk), memset(&rv, 0, sizeof rv); /* not imported when no row is copied */
    PyObject *result = NULL;
    ta_dlpack_scope_begin();
    int imported = ta_view_from_object(k_obj, names[0], &k, &keep[0]) == 0 &&
                   ta_view_from_object(v_obj, names[1], &v, &keep[1]) == 0;
    ta_dlpack_scope_end();
    if (!imported || ta_tokens_match_cache(&k, &v, B, H, D, dtype, device) < 0) goto done;
    int64_t n = k.shape[2], fill = n < room ? n : room;
    int st = TA_OK;
    if (fill > 0 && (cuda_view(rk_obj, "residual_k", &rk, &keep[2], 1) < 0 ||
                     cuda_view(rv_obj, "residual_v", &rv, &keep[3], 1) < 0))
        goto done;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_take_tokens_cuda(&k, &v, names, &rk, &rv, row, fill);
    Py_END_ALLOW_THREADS
    result = st == TA_OK ? PyLong_FromLongLong((long long)n) : ta_raise_status(st);
done:
    for (int i = 0; i < 4; i++) Py_XDECREF(keep[i]);
    return result;
#else
    return no_cuda();
#endif
}

static PyObject *py_cuda_check_finite(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"x", "name", "y", "y_name", NULL};
    PyObject *obj[2] = {NULL, NULL};
    const char *names[2] = {"x", "y"};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|sOs:cuda_check_finite", kwlist, &obj[0], &names[0], &obj[1],
                                     &names[1]))
        return NULL;
#ifdef TA_WITH_CUDA
    int count = obj[1] && obj[1] != Py_None ? 2 : 1, st = TA_OK;
    PyObject *keep[TA_FINITE_MAX] = {NULL, NULL};
    ta_view4 views[TA_FINITE_MAX];
    const ta_view4 *ptrs[TA_FINITE_MAX] = {&views[0], &views[1]};
    for (int i = 0; i < count; i++)
        if (cuda_view(obj[i], names[i], &views[i], &keep[i], 0) < 0) {
            for (int j = 0; j < i; j++) Py_DECREF(keep[j]);
            return NULL;
        }
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_check_finite_cuda(ptrs, names, count);
    Py_END_ALLOW_THREADS
    for (int i = 0; i < count; i++) Py_DECREF(keep[i]);
    if (st != TA_OK) return ta_raise_status(st);
    Py_RETURN_NONE;
#else
    return no_cuda();
#endif
}

static PyObject *py_cuda_copy_rows(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"dst", "dst_row0", "src", "src_row0", "rows", NULL};
    PyObject *dst_obj, *src_obj;
    long long dst_row0, src_row0, rows;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OLOLL:cuda_copy_rows", kwlist, &dst_obj, &dst_row0, &src_obj,
                                     &src_row0, &rows))
        return NULL;
#ifdef TA_WITH_CUDA
    PyObject *dst_keep = NULL, *src_keep = NULL;
    ta_view4 dst, src;
    int st;
    if (cuda_view(dst_obj, "dst", &dst, &dst_keep, 1) < 0) return NULL;
    if (cuda_view(src_obj, "src", &src, &src_keep, 0) < 0) {
        Py_DECREF(dst_keep);
        return NULL;
    }
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_copy_rows_cuda(&dst, dst_row0, &src, src_row0, rows);
    Py_END_ALLOW_THREADS
    Py_DECREF(dst_keep);
    Py_DECREF(src_keep);
    if (st != TA_OK) return ta_raise_status(st);
    Py_RETURN_NONE;
#else
    return no_cuda();
#endif
}

/* Device-to-device copy of the first nbytes of src into dst (two DeviceArrays): the used prefix of an
 * array when the cache doubles its capacity. */
static PyObject *py_cuda_copy_prefix(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"dst", "src", "nbytes", NULL};
    PyObject *dst_obj, *src_obj;
    long long nbytes;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOL:cuda_copy_prefix", kwlist, &dst_obj, &src_obj, &nbytes))
        return NULL;
    ta_device_buffer dst, src;
    if (ta_device_buffer_from_object(dst_obj, "dst", NULL, -1, &dst) < 0 ||
        ta_device_buffer_from_object(src_obj, "src", NULL, -1, &src) < 0)
        return NULL;
    if (nbytes < 0 || (size_t)nbytes > dst.nbytes || (size_t)nbytes > src.nbytes || dst.device_id != src.device_id) {
        PyErr_Format(PyExc_ValueError, "nbytes must be in [0, %zu] and both arrays on one device (got %lld)",
                     dst.nbytes < src.nbytes ? dst.nbytes : src.nbytes, nbytes);
        return NULL;
    }
#ifdef TA_WITH_CUDA
    int st;
    ta_clear_error();
    st = ta_copy_bytes_cuda(dst.data, src.data, (size_t)nbytes, dst.device_id);
    if (st != TA_OK) return ta_raise_status(st);
    Py_RETURN_NONE;
#else
    return no_cuda();
#endif
}

/* cuda_attention_kv(q, kv, out, lse, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed):
 * SPEC section 5 on a CudaQuantizedKV; out (and lse, a float32 DeviceArray [B, Hq, Nq], or None) are
 * written. The public path is flashq_attention(q, kv=...), which reaches the same launcher. */
static PyObject *py_cuda_attention_kv(PyObject *self, PyObject *args)
{
    PyObject *q_obj, *kv_obj, *out_obj, *lse_obj;
    double sm_scale;
    int causal, softmax_exact, sas_threshold, p_scale_fixed;
    if (!PyArg_ParseTuple(args, "OOOOdppip:cuda_attention_kv", &q_obj, &kv_obj, &out_obj, &lse_obj, &sm_scale, &causal,
                          &softmax_exact, &sas_threshold, &p_scale_fixed))
        return NULL;
#ifdef TA_WITH_CUDA
    PyObject *q_keep = NULL, *kv_keep = NULL, *out_keep = NULL;
    ta_view4 q, out;
    ta_kv kv;
    float *lse = NULL;
    int st;
    ta_dlpack_scope_begin();
    int imported = cuda_view(q_obj, "q", &q, &q_keep, 0) == 0 && ta_cuda_kv_from_pyobject(kv_obj, &kv, &kv_keep) == 0 &&
                   cuda_view(out_obj, "out", &out, &out_keep, 1) == 0;
    ta_dlpack_scope_end();
    if (!imported) goto fail;
    if (lse_obj != Py_None) {
        ta_device_buffer buf;
        if (ta_device_buffer_from_object(lse_obj, "lse", "float32", 3, &buf) < 0) goto fail;
        if (buf.shape[0] != q.shape[0] || buf.shape[1] != q.shape[1] || buf.shape[2] != q.shape[2]) {
            PyErr_SetString(PyExc_ValueError, "lse must be [B, Hq, Nq] like q");
            goto fail;
        }
        lse = buf.data;
    }
    if (q.dtype != kv.residual_k.dtype || q.device_id != kv.residual_k.device_id ||
        out.device_id != q.device_id) {
        PyErr_Format(PyExc_ValueError, "q must have the cache's dtype (%s) and device (cuda:%d)",
                     ta_dtype_name(kv.residual_k.dtype), kv.residual_k.device_id);
        goto fail;
    }
    ta_attn_params p;
    memset(&p, 0, sizeof p);
    p.sm_scale = (float)sm_scale, p.causal = causal, p.softmax_exact = softmax_exact;
    p.sas_threshold = sas_threshold, p.p_scale_fixed = p_scale_fixed, p.block_q = TA_BQ, p.block_k = TA_BK;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_attention_kv_cuda(&p, &q, &kv, &out, lse);
    Py_END_ALLOW_THREADS
    if (st != TA_OK) {
        ta_raise_status(st);
        goto fail;
    }
    Py_DECREF(q_keep);
    Py_DECREF(kv_keep);
    Py_DECREF(out_keep);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(q_keep);
    Py_XDECREF(kv_keep);
    Py_XDECREF(out_keep);
    return NULL;
#else
    return no_cuda();
#endif
}

#ifndef TA_WITH_CUDA /* a build without CUDA has no decode kernels to steer */
static void ta_decode_set_blocks_per_split(int n) { (void)n; }
static void ta_decode_set_rows_per_item(int n) { (void)n; }
#endif

/* The decode knobs (tests, benchmarks): one int each, 0 for automatic. */
static PyObject *set_decode_knob(PyObject *arg, void (*set)(int))
{
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    set((int)n);
    Py_RETURN_NONE;
}

static PyObject *py_decode_blocks_per_split(PyObject *self, PyObject *arg)
{
    return set_decode_knob(arg, ta_decode_set_blocks_per_split);
}

static PyObject *py_decode_rows_per_item(PyObject *self, PyObject *arg)
{
    return set_decode_knob(arg, ta_decode_set_rows_per_item);
}

static PyObject *py_decode_last_plan(PyObject *self, PyObject *unused)
{
#ifdef TA_WITH_CUDA
    const ta_decode_plan p = ta_decode_last_plan();
    return Py_BuildValue("{s:i,s:i,s:i,s:i,s:i,s:i}", "warp", p.warp, "blocks_per_split", p.bps, "splits", p.n_split,
                         "residual_in_warp_kernel", p.res_warp, "ctas_per_sm", p.ctas, "rows_per_item", p.rt);
#else
    return no_cuda();
#endif
}

PyMethodDef ta_cuda_kv_methods[] = {
    {"cuda_kv_compress", (PyCFunction)(void (*)(void))py_cuda_kv_compress, METH_VARARGS | METH_KEYWORDS,
     "cuda_kv_compress(kv, k, v, blk0, nblk, row0): SPEC section 4 on CUDA blocks [blk0, blk0 + nblk)."},
    {"cuda_take_tokens", py_cuda_take_tokens, METH_VARARGS,
     "cuda_take_tokens(k_new, v_new, B, H, D, dtype, device, residual_k, residual_v, row, room, k_name='k_new', "
     "v_name='v_new') -> n: append()'s checks and its copy of min(n, room) rows into the residual window, with one "
     "DLPack import per array; errors name the arrays k_name and v_name."},
    {"cuda_check_finite", (PyCFunction)(void (*)(void))py_cuda_check_finite, METH_VARARGS | METH_KEYWORDS,
     "cuda_check_finite(x, name='x', y=None, y_name='y'): ValueError naming the first CUDA array that holds NaN, "
     "Inf or a value beyond 2^48 (one synchronisation for both)."},
    {"cuda_copy_rows", (PyCFunction)(void (*)(void))py_cuda_copy_rows, METH_VARARGS | METH_KEYWORDS,
     "cuda_copy_rows(dst, dst_row0, src, src_row0, rows): rows of one [B, H, N, D] CUDA array into another."},
    {"cuda_copy_prefix", (PyCFunction)(void (*)(void))py_cuda_copy_prefix, METH_VARARGS | METH_KEYWORDS,
     "cuda_copy_prefix(dst, src, nbytes): device-to-device copy of src's first nbytes into dst."},
    {"cuda_attention_kv", py_cuda_attention_kv, METH_VARARGS,
     "cuda_attention_kv(q, kv, out, lse, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed)."},
    {"decode_blocks_per_split", py_decode_blocks_per_split, METH_O,
     "decode_blocks_per_split(n): cache blocks per decode split (0: automatic); for tests and benchmarks."},
    {"decode_rows_per_item", py_decode_rows_per_item, METH_O,
     "decode_rows_per_item(n): query rows per decode work item, 1 to 16 (0: automatic); for tests and benchmarks."},
    {"decode_last_plan", py_decode_last_plan, METH_NOARGS,
     "decode_last_plan() -> dict: the last CUDA decode call's kernel, blocks per split, splits, residual placement, "
     "CTAs per SM and query rows per item (benchmarks)."},
    {NULL, NULL, 0, NULL},
};
