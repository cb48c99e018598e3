/* Bindings for SPEC section 1 (quantize_int8) and section 4 (the compressed KV cache) on the CPU, and the
 * reader that turns a Python QuantizedKV into a ta_kv (py_kv.h). turboattn/kv.py owns allocation and
 * argument checks that speak the user's language; these bindings re-check whatever could make C read or
 * write out of bounds, so a wrong call raises instead of crashing. */
#include "bindings.h"
#include "buffers.h"
#include "py_kv.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "quant.h"
#include "ta_consts.h"
#include "ta_status.h"
#include "threads.h"

static int require_cpu(const ta_view4 *view, const char *name)
{
    if (view->device == TA_CPU) return 0;
    PyErr_Format(PyExc_ValueError, "%s must be in host memory for the CPU path (got a CUDA array on device %d)", name,
                 view->device_id);
    return -1;
}

/* ---- QuantizedKV -> ta_kv ------------------------------------------------------------------------- */

static int get_int_attr(PyObject *qkv, const char *attr, int64_t lo, int64_t hi, int64_t *out)
{
    PyObject *o = PyObject_GetAttrString(qkv, attr);
    if (!o) return -1;
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "kv.%s must be an integer (got %s)", attr, Py_TYPE(o)->tp_name);
        Py_DECREF(o);
        return -1;
    }
    Py_ssize_t value = PyNumber_AsSsize_t(o, PyExc_OverflowError);
    Py_DECREF(o);
    if (value == -1 && PyErr_Occurred()) return -1;
    if (value < lo || value > hi) {
        PyErr_Format(PyExc_ValueError, "kv.%s must be in [%lld, %lld] (got %lld)", attr, (long long)lo, (long long)hi,
                     (long long)value);
        return -1;
    }
    *out = value;
    return 0;
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
    int used = snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < (int)size; i++)
        used += snprintf(buf + used, size - (size_t)used, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (used < (int)size) snprintf(buf + used, size - (size_t)used, "]");
}

/* Fetches attribute `attr` as a C-contiguous array of typenum and the given shape (a shape entry of -1
 * accepts any size and is reported through shape[]), parking the reference in `keep`. */
static PyArrayObject *get_array_attr(PyObject *qkv, const char *attr, int typenum, int ndim, int64_t *shape,
                                     int writeable, PyObject *keep)
{
    char name[64];
    snprintf(name, sizeof name, "kv.%s", attr);
    PyObject *o = PyObject_GetAttrString(qkv, attr);
    if (!o) return NULL;
    int parked = PyList_Append(keep, o);
    Py_DECREF(o); /* the list holds it now (or the append failed and we bail out) */
    if (parked < 0 || !ta_require_array(o, name, typenum, ndim, writeable)) return NULL;
    PyArrayObject *arr = (PyArrayObject *)o;
    int64_t got[5]; /* ndim <= 5 */
    int ok = 1;
    for (int i = 0; i < ndim; i++) {
        got[i] = PyArray_DIM(arr, i);
        if (shape[i] >= 0 && shape[i] != got[i]) ok = 0;
    }
    if (!ok) {
        char want_s[128], got_s[128];
        format_shape(want_s, sizeof want_s, ndim, shape);
        format_shape(got_s, sizeof got_s, ndim, got);
        PyErr_Format(PyExc_ValueError, "%s must have shape %s (got %s)", name, want_s, got_s);
        return NULL;
    }
    for (int i = 0; i < ndim; i++) shape[i] = got[i];
    return arr;
}

static int get_residual(PyObject *qkv, const char *attr, const ta_kv *kv, ta_view4 *view, PyObject *keep)
{
    char name[64];
    snprintf(name, sizeof name, "kv.%s", attr);
    PyObject *o = PyObject_GetAttrString(qkv, attr), *alive = NULL;
    if (!o) return -1;
    int rc = ta_view_from_object(o, name, view, &alive);
    Py_DECREF(o);
    if (rc < 0) return -1;
    rc = PyList_Append(keep, alive);
    Py_DECREF(alive);
    if (rc < 0 || require_cpu(view, name) < 0) return -1;
    if (view->shape[0] != kv->B || view->shape[1] != kv->H || view->shape[2] != kv->block || view->shape[3] != kv->D) {
        PyErr_Format(PyExc_ValueError, "%s must have shape [%d, %d, %d, %d] (got [%lld, %lld, %lld, %lld])", name,
                     kv->B, kv->H, kv->block, kv->D, (long long)view->shape[0], (long long)view->shape[1],
                     (long long)view->shape[2], (long long)view->shape[3]);
        return -1;
    }
    return 0;
}

/* bits must be 2/4/8 and the head offsets exactly the prefix sums the layout defines; anything else
 * would send packed reads and writes to the wrong bytes. Sets kv->KB and kv->VB. */
static int check_head_offsets(ta_kv *kv)
{
    int64_t k_off = 0, v_off = 0;
    for (int h = 0; h < kv->H; h++) {
        int bits = kv->bits[h];
        if (bits != 2 && bits != 4 && bits != 8) {
            PyErr_Format(PyExc_ValueError, "kv.bits[%d] must be 2, 4 or 8 (got %d)", h, bits);
            return -1;
        }
        if (kv->k_head_off[h] != k_off || kv->v_head_off[h] != v_off) {
            PyErr_Format(PyExc_ValueError, "kv.k_head_off / kv.v_head_off disagree with kv.bits at head %d "
                         "(got %lld / %lld, expected %lld / %lld)", h, (long long)kv->k_head_off[h],
                         (long long)kv->v_head_off[h], (long long)k_off, (long long)v_off);
            return -1;
        }
        k_off += kv->B * ta_kv_key_bytes(kv->D, kv->block, bits);
        v_off += kv->B * ta_kv_value_bytes(kv->D, kv->block, bits);
    }
    kv->KB = k_off;
    kv->VB = v_off;
    return 0;
}

static int kv_from_pyobject(PyObject *qkv, ta_kv *kv, PyObject **keep, int writeable)
{
    int64_t B, H, D, block, n_blocks, n_residual;
    PyObject *list = PyList_New(0);
    *keep = NULL;
    if (!list) return -1;
    if (get_int_attr(qkv, "B", 1, INT_MAX, &B) < 0 || get_int_attr(qkv, "H", 1, INT_MAX, &H) < 0 ||
        get_int_attr(qkv, "D", 1, 1 << 16, &D) < 0 || get_int_attr(qkv, "block", 8, 1 << 16, &block) < 0 ||
        get_int_attr(qkv, "n_blocks", 0, INT64_MAX / 2, &n_blocks) < 0 ||
        get_int_attr(qkv, "n_residual", 0, block - 1, &n_residual) < 0)
        goto fail;
    if (block % 8 != 0) {
        PyErr_Format(PyExc_ValueError, "kv.block must be a multiple of 8 (got %lld)", (long long)block);
        goto fail;
    }
    memset(kv, 0, sizeof *kv);
    kv->B = (int)B, kv->H = (int)H, kv->D = (int)D, kv->block = (int)block;
    kv->G = (int)((D + TA_KV_GROUP - 1) / TA_KV_GROUP);
    kv->n_blocks = n_blocks, kv->n_residual = n_residual;

    int64_t s_bits[1] = {H}, s_off[1] = {H};
    PyArrayObject *a;
    if (!(a = get_array_attr(qkv, "bits", NPY_UINT8, 1, s_bits, 0, list))) goto fail;
    kv->bits = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "k_head_off", NPY_INT64, 1, s_off, 0, list))) goto fail;
    kv->k_head_off = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "v_head_off", NPY_INT64, 1, s_off, 0, list))) goto fail;
    kv->v_head_off = PyArray_DATA(a);
    if (check_head_offsets(kv) < 0) goto fail;

    int64_t s_kc[2] = {-1, kv->KB};
    if (!(a = get_array_attr(qkv, "k_codes", NPY_UINT8, 2, s_kc, writeable, list))) goto fail;
    kv->k_codes = PyArray_DATA(a);
    int64_t cap = s_kc[0];
    if (n_blocks > cap) {
        PyErr_Format(PyExc_ValueError, "kv.n_blocks (%lld) exceeds the %lld rows of kv.k_codes", (long long)n_blocks,
                     (long long)cap);
        goto fail;
    }
    kv->cap_blocks = cap;
    int64_t s_kg[4] = {cap, H, B, D}, s_ks[3] = {cap, H, B};
    int64_t s_vc[2] = {cap, kv->VB}, s_vg[5] = {cap, H, B, block, kv->G}, s_vs[3] = {cap, H, B};
    if (!(a = get_array_attr(qkv, "k_group_step", NPY_UINT8, 4, s_kg, writeable, list))) goto fail;
    kv->k_group_step = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "k_group_zero", NPY_INT8, 4, s_kg, writeable, list))) goto fail;
    kv->k_group_zero = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "k_block_scale", NPY_FLOAT32, 3, s_ks, writeable, list))) goto fail;
    kv->k_block_scale = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "v_codes", NPY_UINT8, 2, s_vc, writeable, list))) goto fail;
    kv->v_codes = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "v_group_step", NPY_UINT8, 5, s_vg, writeable, list))) goto fail;
    kv->v_group_step = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "v_group_zero", NPY_INT8, 5, s_vg, writeable, list))) goto fail;
    kv->v_group_zero = PyArray_DATA(a);
    if (!(a = get_array_attr(qkv, "v_block_scale", NPY_FLOAT32, 3, s_vs, writeable, list))) goto fail;
    kv->v_block_scale = PyArray_DATA(a);

    if (get_residual(qkv, "residual_k", kv, &kv->residual_k, list) < 0 ||
        get_residual(qkv, "residual_v", kv, &kv->residual_v, list) < 0)
        goto fail;
    if (kv->residual_k.dtype != kv->residual_v.dtype) {
        PyErr_Format(PyExc_TypeError, "kv.residual_v must have the dtype of kv.residual_k (got %s, expected %s)",
                     ta_dtype_name(kv->residual_v.dtype), ta_dtype_name(kv->residual_k.dtype));
        goto fail;
    }
    *keep = list;
    return 0;
fail:
    Py_DECREF(list);
    return -1;
}

int ta_kv_from_pyobject(PyObject *qkv, ta_kv *out, PyObject **keep)
{
    int on_device = ta_cuda_kv_is_device(qkv); /* a CudaQuantizedKV: device pointers (py_cuda_kv.c) */
    if (on_device < 0) return -1;
    if (on_device) return ta_cuda_kv_from_pyobject(qkv, out, keep);
    return kv_from_pyobject(qkv, out, keep, 0);
}

/* ---- bindings ------------------------------------------------------------------------------------- */

static int check_block_arg(int block)
{
    if (block > 0 && block % 8 == 0) return 0;
    PyErr_Format(PyExc_ValueError, "block must be a positive multiple of 8 (got %d)", block);
    return -1;
}

static PyObject *py_quantize_int8(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"x", "block", NULL};
    PyObject *x_obj, *keep = NULL, *codes = NULL, *scales = NULL;
    int block = TA_BK, st;
    ta_view4 x;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|i:quantize_int8", kwlist, &x_obj, &block)) return NULL;
    if (check_block_arg(block) < 0) return NULL;
    if (ta_view_from_object(x_obj, "x", &x, &keep) < 0 || require_cpu(&x, "x") < 0 || ta_check_finite(&x, "x") < 0)
        goto fail;
    npy_intp n_blocks = (npy_intp)((x.shape[2] + block - 1) / block);
    npy_intp code_dims[4] = {x.shape[0], x.shape[1], x.shape[2], x.shape[3]};
    npy_intp scale_dims[3] = {x.shape[0], x.shape[1], n_blocks};
    codes = PyArray_SimpleNew(4, code_dims, NPY_INT8);
    scales = PyArray_SimpleNew(3, scale_dims, NPY_FLOAT32);
    if (!codes || !scales) goto fail;
    int n_threads = ta_default_threads();
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_quantize_int8_cpu(&x, block, PyArray_DATA((PyArrayObject *)codes), PyArray_DATA((PyArrayObject *)scales),
                              n_threads);
    Py_END_ALLOW_THREADS
    if (st != TA_OK) {
        ta_raise_status(st);
        goto fail;
    }
    Py_DECREF(keep);
    return Py_BuildValue("(NN)", codes, scales);
fail:
    Py_XDECREF(keep);
    Py_XDECREF(codes);
    Py_XDECREF(scales);
    return NULL;
}

/* The rows [row0, row0 + rows) of a view, as a view of its own (for the finiteness check). */
static ta_view4 rows_of(const ta_view4 *x, int64_t row0, int64_t rows)
{
    ta_view4 sub = *x;
    sub.data = (char *)x->data + row0 * x->stride[2] * ta_dtype_size(x->dtype);
    sub.shape[2] = rows;
    return sub;
}

static int get_source(PyObject *obj, const char *name, int64_t row0, int64_t rows, ta_view4 *view, PyObject **keep)
{
    if (ta_view_from_object(obj, name, view, keep) < 0 || require_cpu(view, name) < 0) return -1;
    if (view->shape[2] < row0 + rows) {
        PyErr_Format(PyExc_ValueError, "%s has %lld rows, fewer than row0 + nblk * block = %lld", name,
                     (long long)view->shape[2], (long long)(row0 + rows));
        return -1;
    }
    ta_view4 used = rows_of(view, row0, rows);
    return rows > 0 ? ta_check_finite(&used, name) : 0;
}

static PyObject *py_kv_compress(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"kv", "k", "v", "blk0", "nblk", "row0", NULL};
    PyObject *kv_obj, *k_obj, *v_obj, *kv_keep = NULL, *k_keep = NULL, *v_keep = NULL;
    long long blk0, nblk, row0;
    ta_kv kv;
    ta_view4 k, v;
    int st;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOLLL:kv_compress", kwlist, &kv_obj, &k_obj, &v_obj, &blk0, &nblk,
                                     &row0))
        return NULL;
    if (kv_from_pyobject(kv_obj, &kv, &kv_keep, 1) < 0) return NULL;
    if (blk0 < 0 || nblk < 0 || row0 < 0 || blk0 + nblk > kv.cap_blocks) {
        PyErr_Format(PyExc_ValueError, "blocks [blk0, blk0 + nblk) = [%lld, %lld) must lie in the %lld allocated "
                     "blocks, with row0 >= 0 (got row0 = %lld)", blk0, blk0 + nblk, (long long)kv.cap_blocks, row0);
        goto fail;
    }
    if (get_source(k_obj, "k", row0, nblk * kv.block, &k, &k_keep) < 0 ||
        get_source(v_obj, "v", row0, nblk * kv.block, &v, &v_keep) < 0)
        goto fail;
    int n_threads = ta_default_threads();
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_kv_compress_cpu(&kv, &k, &v, blk0, nblk, row0, n_threads);
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
}

static PyObject *py_kv_reconstruct_int8(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"kv", NULL};
    PyObject *kv_obj, *kv_keep = NULL, *k8 = NULL, *v8 = NULL;
    ta_kv kv;
    int st;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:kv_reconstruct_int8", kwlist, &kv_obj)) return NULL;
    if (kv_from_pyobject(kv_obj, &kv, &kv_keep, 0) < 0) return NULL;
    npy_intp dims[4] = {kv.B, kv.H, (npy_intp)(kv.n_blocks * kv.block), kv.D};
    k8 = PyArray_SimpleNew(4, dims, NPY_INT8);
    v8 = PyArray_SimpleNew(4, dims, NPY_INT8);
    if (!k8 || !v8) goto fail;
    int n_threads = ta_default_threads();
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    st = ta_kv_reconstruct_int8_cpu(&kv, PyArray_DATA((PyArrayObject *)k8), PyArray_DATA((PyArrayObject *)v8),
                                    n_threads);
    Py_END_ALLOW_THREADS
    if (st != TA_OK) {
        ta_raise_status(st);
        goto fail;
    }
    Py_DECREF(kv_keep);
    return Py_BuildValue("(NN)", k8, v8);
fail:
    Py_XDECREF(kv_keep);
    Py_XDECREF(k8);
    Py_XDECREF(v8);
    return NULL;
}

static PyObject *py_check_finite(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"x", "name", NULL};
    PyObject *x_obj, *keep = NULL;
    const char *name = "x";
    ta_view4 x;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|s:check_finite", kwlist, &x_obj, &name)) return NULL;
    if (ta_view_from_object(x_obj, name, &x, &keep) < 0) return NULL;
    int rc = ta_check_finite(&x, name);
    Py_DECREF(keep);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

PyMethodDef ta_quant_methods[] = {
    {"quantize_int8", (PyCFunction)(void (*)(void))py_quantize_int8, METH_VARARGS | METH_KEYWORDS,
     "quantize_int8(x, block=64) -> (codes int8 [B,H,N,D], scales float32 [B,H,ceil(N/block)]); SPEC section 1."},
    {"kv_compress", (PyCFunction)(void (*)(void))py_kv_compress, METH_VARARGS | METH_KEYWORDS,
     "kv_compress(kv, k, v, blk0, nblk, row0): compress rows [row0, row0 + nblk*block) of k, v [B,H,N,D] into blocks "
     "[blk0, blk0 + nblk) of the storage object kv (attributes as QuantizedKV); SPEC sections 1 and 4."},
    {"kv_reconstruct_int8", (PyCFunction)(void (*)(void))py_kv_reconstruct_int8, METH_VARARGS | METH_KEYWORDS,
     "kv_reconstruct_int8(kv) -> (k8, v8) int8 [B,H,n_blocks*block,D]: integer-only stage-2 reconstruction."},
    {"check_finite", (PyCFunction)(void (*)(void))py_check_finite, METH_VARARGS | METH_KEYWORDS,
     "check_finite(x, name='x'): ValueError naming `name` if the 4-D float array x holds NaN or Inf."},
    {NULL, NULL, 0, NULL},
};
