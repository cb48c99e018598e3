/* Python bindings of the attention stage: _C.attention (dense k, v), _C.attention_kv (a QuantizedKV),
 * _C.sas_exp2. Every tensor check that can name a Python argument happens here, before any kernel runs;
 * turboattn/attention.py checks the keywords and allocates the dense path's outputs (attention_kv makes its own,
 * a decode step being short). */
#include "bindings.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "attn.h"
#include "buffers.h"
#include "igemm.h"
#include "py_kv.h"
#include "sas_cpu.h"
#include "ta_consts.h"
#include "ta_status.h"
#include "threads.h"

static const char *device_name(const ta_view4 *v, char *buf, size_t n)
{
    if (v->device == TA_CUDA) PyOS_snprintf(buf, n, "cuda:%d", v->device_id);
    else PyOS_snprintf(buf, n, "cpu");
    return buf;
}

static int check_same_device(const ta_view4 *x, const char *name, const ta_view4 *q)
{
    if (x->device == q->device && (x->device != TA_CUDA || x->device_id == q->device_id)) return 0;
    char a[32], b[32];
    PyErr_Format(PyExc_ValueError, "%s is on %s but q is on %s; all tensors must be on one device", name,
                 device_name(x, a, sizeof a), device_name(q, b, sizeof b));
    return -1;
}

static int check_same_dtype(const ta_view4 *x, const char *name, const ta_view4 *q)
{
    if (x->dtype == q->dtype) return 0;
    PyErr_Format(PyExc_TypeError, "%s must have the dtype of q (got %s, expected %s)", name, ta_dtype_name(x->dtype),
                 ta_dtype_name(q->dtype));
    return -1;
}

static int check_head_dim(const ta_view4 *q)
{
    int64_t D = q->shape[3];
    if (D >= 16 && D <= 256 && D % 16 == 0) return 0;
    PyErr_Format(PyExc_ValueError, "q head dim must be a multiple of 16 in [16, 256] (got %lld)", (long long)D);
    return -1;
}

/* out: the shape and dtype of q, on q's device, writeable. */
static int check_out(const ta_view4 *out, const ta_view4 *q)
{
    for (int i = 0; i < 4; i++)
        if (out->shape[i] != q->shape[i]) {
            PyErr_Format(PyExc_ValueError, "out must have the shape of q [%lld, %lld, %lld, %lld] (got [%lld, %lld, "
                         "%lld, %lld])", (long long)q->shape[0], (long long)q->shape[1], (long long)q->shape[2],
                         (long long)q->shape[3], (long long)out->shape[0], (long long)out->shape[1],
                         (long long)out->shape[2], (long long)out->shape[3]);
            return -1;
        }
    /* Writability was checked at import (ta_view_from_object_writable: NumPy flags and DLPack's read-only flag). */
    return check_same_dtype(out, "out", q) || check_same_device(out, "out", q) ? -1 : 0;
}

/* lse: None, or float32 C-contiguous [B, Hq, Nq] in q's memory (a NumPy array for host inputs, a
 * DeviceArray for CUDA inputs). */
static int lse_pointer(PyObject *lse_obj, const ta_view4 *q, float **lse)
{
    *lse = NULL;
    if (lse_obj == Py_None) return 0;
    const int64_t *shape;
    if (q->device == TA_CUDA) {
#ifdef TA_WITH_CUDA
        ta_device_buffer buf;
        if (ta_device_buffer_from_object(lse_obj, "lse", "float32", 3, &buf) < 0) return -1;
        if (buf.device_id != q->device_id) {
            PyErr_Format(PyExc_ValueError, "lse is on cuda:%d but q is on cuda:%d", buf.device_id, q->device_id);
            return -1;
        }
        shape = buf.shape;
        *lse = (float *)buf.data;
#else
        PyErr_SetString(PyExc_ValueError, "q is on a CUDA device but turboattn was built without CUDA");
        return -1;
#endif
    } else {
        if (!ta_require_array(lse_obj, "lse", NPY_FLOAT32, 3, 1)) return -1;
        shape = (const int64_t *)PyArray_DIMS((PyArrayObject *)lse_obj);
        *lse = (float *)PyArray_DATA((PyArrayObject *)lse_obj);
    }
    if (shape[0] != q->shape[0] || shape[1] != q->shape[1] || shape[2] != q->shape[2]) {
        PyErr_Format(PyExc_ValueError, "lse must have shape [%lld, %lld, %lld] (got [%lld, %lld, %lld])",
                     (long long)q->shape[0], (long long)q->shape[1], (long long)q->shape[2], (long long)shape[0],
                     (long long)shape[1], (long long)shape[2]);
        *lse = NULL;
        return -1;
    }
    return 0;
}

static int check_dense(const ta_view4 *q, const ta_view4 *k, const ta_view4 *v)
{
    if (check_same_dtype(k, "k", q) || check_same_dtype(v, "v", q)) return -1;
    if (check_same_device(k, "k", q) || check_same_device(v, "v", q)) return -1;
    if (check_head_dim(q) < 0) return -1;
    if (k->shape[3] != q->shape[3]) {
        PyErr_Format(PyExc_ValueError, "k must have the same head dim as q (got %lld, expected %lld)",
                     (long long)k->shape[3], (long long)q->shape[3]);
        return -1;
    }
    if (k->shape[0] != q->shape[0]) {
        PyErr_Format(PyExc_ValueError, "k must have the same batch size as q (got %lld, expected %lld)",
                     (long long)k->shape[0], (long long)q->shape[0]);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        if (v->shape[i] != k->shape[i]) {
            PyErr_Format(PyExc_ValueError, "v must have the shape of k [%lld, %lld, %lld, %lld] (got [%lld, %lld, "
                         "%lld, %lld])", (long long)k->shape[0], (long long)k->shape[1], (long long)k->shape[2],
                         (long long)k->shape[3], (long long)v->shape[0], (long long)v->shape[1],
                         (long long)v->shape[2], (long long)v->shape[3]);
            return -1;
        }
    if (q->shape[1] % k->shape[1] != 0) {
        PyErr_Format(PyExc_ValueError, "q heads must be a multiple of k heads for grouped-query attention (got %lld "
                     "and %lld)", (long long)q->shape[1], (long long)k->shape[1]);
        return -1;
    }
    return 0;
}

/* "%g" of a double for messages (PyErr_Format has no float conversions). */
static const char *format_double(double x, char *buf, size_t n)
{
    PyOS_snprintf(buf, n, "%g", x);
    return buf;
}

static int fill_params(ta_attn_params *p, double sm_scale, int causal, int softmax_exact, int sas_threshold,
                       int p_scale_fixed, int block_q, int block_k, int n_threads)
{
    if (!(sm_scale > 0.0) || !(sm_scale <= TA_SM_SCALE_MAX)) { /* float32 scores (ta_consts.h) */
        char buf[64];
        PyErr_Format(PyExc_ValueError, "sm_scale must be positive and at most 2^16 = 65536 (got %s)",
                     format_double(sm_scale, buf, sizeof buf));
        return -1;
    }
    if (sas_threshold < 0 || sas_threshold > TA_SAS_T_MAX) {
        PyErr_Format(PyExc_ValueError, "sas_threshold must be an integer in [0, %d] (got %d)", TA_SAS_T_MAX,
                     sas_threshold);
        return -1;
    }
    p->sm_scale = (float)sm_scale;
    p->causal = causal;
    p->softmax_exact = softmax_exact;
    p->sas_threshold = sas_threshold;
    p->p_scale_fixed = p_scale_fixed;
    p->block_q = block_q;
    p->block_k = block_k;
    p->n_threads = n_threads >= 1 ? n_threads : ta_default_threads();
    p->qk_scale_token = p->k_smooth = p->qk_equalize = 0; /* SPEC v1 unless the caller asks */
    return 0;
}

/* Runs dense attention (kv == NULL) or attention on a cache on q's device with the GIL released; -1 with a
 * Python exception on failure. */
static int run_attention(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                         const ta_kv *kv, const ta_view4 *out, float *lse)
{
    int rc;
    ta_clear_error();
    if (q->device == TA_CUDA) {
#ifdef TA_WITH_CUDA
        Py_BEGIN_ALLOW_THREADS
        rc = kv ? ta_attention_kv_cuda(p, q, kv, out, lse) : ta_attention_cuda(p, q, k, v, out, lse);
        Py_END_ALLOW_THREADS
#else
        PyErr_SetString(PyExc_ValueError, "q is on a CUDA device but turboattn was built without CUDA");
        return -1;
#endif
    } else {
        Py_BEGIN_ALLOW_THREADS
        rc = kv ? ta_attention_kv_cpu(p, q, kv, out, lse) : ta_attention_cpu(p, q, k, v, out, lse);
        Py_END_ALLOW_THREADS
    }
    if (rc != TA_OK) {
        ta_raise_status(rc);
        return -1;
    }
    return 0;
}

/* layout="BNHD": the same memory read as BHND by exchanging the N and H dimensions of the view. */
static void bnhd_to_bhnd(ta_view4 *v)
{
    int64_t n = v->shape[1], s = v->stride[1];
    v->shape[1] = v->shape[2], v->stride[1] = v->stride[2];
    v->shape[2] = n, v->stride[2] = s;
}

static PyObject *py_attention(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"q", "k", "v", "out", "lse", "sm_scale", "causal", "softmax_exact", "sas_threshold",
                             "p_scale_fixed", "block_q", "block_k", "n_threads", "bnhd", "qk_scale_token", "k_smooth",
                             "qk_equalize", NULL};
    PyObject *q_obj, *k_obj, *v_obj, *out_obj, *lse_obj;
    double sm_scale;
    int causal, softmax_exact, sas_threshold, p_scale_fixed, block_q, block_k, n_threads, bnhd = 0;
    int qk_scale_token = 0, k_smooth = 0, qk_equalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOdppipiii|pppp:attention", kwlist, &q_obj, &k_obj, &v_obj,
                                     &out_obj, &lse_obj, &sm_scale, &causal, &softmax_exact, &sas_threshold,
                                     &p_scale_fixed, &block_q, &block_k, &n_threads, &bnhd, &qk_scale_token, &k_smooth,
                                     &qk_equalize))
        return NULL;
    PyObject *q_keep = NULL, *k_keep = NULL, *v_keep = NULL, *out_keep = NULL, *result = NULL;
    ta_view4 q, k, v, out;
    ta_attn_params p;
    float *lse;
    ta_dlpack_scope_begin();
    int imported = ta_view_from_object(q_obj, "q", &q, &q_keep) == 0 && ta_view_from_object(k_obj, "k", &k, &k_keep) == 0 &&
                   ta_view_from_object(v_obj, "v", &v, &v_keep) == 0 &&
                   ta_view_from_object_writable(out_obj, "out", &out, &out_keep) == 0;
    ta_dlpack_scope_end();
    if (!imported) goto fail;
    /* Before the layout swap, so a bad element is reported at its index in the caller's layout. */
    if (ta_check_finite(&q, "q") < 0 || ta_check_finite(&k, "k") < 0 || ta_check_finite(&v, "v") < 0) goto fail;
    if (bnhd) {
        bnhd_to_bhnd(&q), bnhd_to_bhnd(&k), bnhd_to_bhnd(&v), bnhd_to_bhnd(&out);
    }
    if (check_dense(&q, &k, &v) < 0 || check_out(&out, &q) < 0 || lse_pointer(lse_obj, &q, &lse) < 0)
        goto fail;
    if (fill_params(&p, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed, block_q, block_k, n_threads) < 0)
        goto fail;
    p.qk_scale_token = qk_scale_token;
    p.k_smooth = k_smooth;
    p.qk_equalize = qk_equalize;
    if (q.device == TA_CUDA && (qk_scale_token || k_smooth || qk_equalize)) {
        PyErr_SetString(PyExc_ValueError, "qk_scale=\"token\", k_smooth and qk_equalize are CPU-only for now");
        goto fail;
    }
    if (run_attention(&p, &q, &k, &v, NULL, &out, lse) < 0) goto fail;
    result = Py_NewRef(Py_None);
fail:
    Py_XDECREF(q_keep);
    Py_XDECREF(k_keep);
    Py_XDECREF(v_keep);
    Py_XDECREF(out_keep);
    return result;
}

/* A new C-contiguous array of `shape` and dtype `dtype` in the memory of `like`: a DeviceArray for CUDA, a NumPy
 * array for the host. */
static PyObject *new_array_like(const ta_view4 *like, int ndim, const int64_t *shape, ta_dtype dtype)
{
    if (like->device == TA_CUDA) return ta_device_array_new(ndim, shape, ta_dtype_name(dtype), like->device_id);
    PyObject *descr = ta_numpy_descr_of(dtype);
    if (!descr) return NULL;
    npy_intp dims[4];
    for (int i = 0; i < ndim; i++) dims[i] = (npy_intp)shape[i];
    return PyArray_Empty(ndim, dims, (PyArray_Descr *)descr, 0); /* steals descr */
}

/* A decode step that appends (attention_kv with k_new and v_new): the tokens checked against the CUDA cache, counted
 * in kv's residual rows, then one launch sequence and one wait (ta_attention_kv_step_cuda). */
static int run_attention_step(const ta_attn_params *p, const ta_view4 *q, ta_kv *kv, const ta_view4 *out, float *lse,
                              const ta_view4 *k, const ta_view4 *v)
{
#ifdef TA_WITH_CUDA
    if (kv->residual_k.device != TA_CUDA) {
        PyErr_SetString(PyExc_ValueError, "k_new and v_new go with one call only to a CUDA cache");
        return -1;
    }
    if (ta_tokens_match_cache(k, v, kv->B, kv->H, kv->D, ta_dtype_name(kv->residual_k.dtype),
                              kv->residual_k.device_id) < 0)
        return -1;
    if (k->shape[2] < 1 || kv->n_residual + k->shape[2] >= kv->block) {
        PyErr_Format(PyExc_ValueError, "k_new must have 1 to %lld rows here, which fit the cache's residual window "
                     "without filling it (got %lld)", (long long)(kv->block - 1 - kv->n_residual), (long long)k->shape[2]);
        return -1;
    }
    kv->n_residual += k->shape[2];
    const char *names[2] = {"k_new", "v_new"};
    int rc;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    rc = ta_attention_kv_step_cuda(p, q, kv, out, lse, k, v, names);
    Py_END_ALLOW_THREADS
    if (rc != TA_OK) {
        ta_raise_status(rc);
        return -1;
    }
    return 0;
#else
    (void)p, (void)q, (void)kv, (void)out, (void)lse, (void)k, (void)v;
    PyErr_SetString(PyExc_ValueError, "k_new and v_new go with one call only to a CUDA cache");
    return -1;
#endif
}

/* attention_kv(q, kv, out, lse, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed, n_threads, bnhd,
 * k_new, v_new) -> (out, lse). Outputs are made here when not given, so that a decode step does no Python work on
 * q: out None makes one like q (q's shape, dtype and memory), lse True makes a float32 [B, Hq, Nq] (None: no lse),
 * sm_scale None is 1 / sqrt(D). With k_new and v_new (a CUDA cache; tokens that fit its residual window without
 * filling it) those are appended first, in the same launches; the caller then adds their rows to kv.n_residual,
 * which this call leaves alone. flashq_attention(q, kv=...) is the public path. */
static PyObject *py_attention_kv(PyObject *self, PyObject *args)
{
    PyObject *q_obj, *kv_obj, *out_obj, *lse_obj, *scale_obj, *k_obj = Py_None, *v_obj = Py_None;
    int causal, softmax_exact, sas_threshold, p_scale_fixed, n_threads, bnhd = 0;
    if (!PyArg_ParseTuple(args, "OOOOOppipi|pOO:attention_kv", &q_obj, &kv_obj, &out_obj, &lse_obj, &scale_obj, &causal,
                          &softmax_exact, &sas_threshold, &p_scale_fixed, &n_threads, &bnhd, &k_obj, &v_obj))
        return NULL;
    if ((k_obj == Py_None) != (v_obj == Py_None)) {
        PyErr_SetString(PyExc_TypeError, "pass k_new and v_new together");
        return NULL;
    }
    const int step = k_obj != Py_None;
    PyObject *q_keep = NULL, *kv_keep = NULL, *out_keep = NULL, *made_out = NULL, *made_lse = NULL, *result = NULL;
    PyObject *k_keep = NULL, *v_keep = NULL;
    ta_view4 q, out, k_new, v_new;
    ta_kv kv;
    ta_attn_params p;
    float *lse;
    ta_dlpack_scope_begin();
    int imported = ta_view_from_object(q_obj, "q", &q, &q_keep) == 0;
    if (imported && out_obj == Py_None) imported = (out_obj = made_out = new_array_like(&q, 4, q.shape, q.dtype)) != NULL;
    imported = imported && ta_view_from_object_writable(out_obj, "out", &out, &out_keep) == 0;
    imported = imported && (!step || (ta_view_from_object(k_obj, "k_new", &k_new, &k_keep) == 0 &&
                                      ta_view_from_object(v_obj, "v_new", &v_new, &v_keep) == 0));
    ta_dlpack_scope_end();
    if (!imported) goto fail;
    if (ta_check_finite(&q, "q") < 0) goto fail;
    if (bnhd) {
        bnhd_to_bhnd(&q), bnhd_to_bhnd(&out);
        if (step) bnhd_to_bhnd(&k_new), bnhd_to_bhnd(&v_new);
    }
    if (lse_obj == Py_True && !(lse_obj = made_lse = new_array_like(&q, 3, q.shape, TA_F32))) goto fail;
    double sm_scale = scale_obj == Py_None ? 1.0 / sqrt((double)q.shape[3]) : PyFloat_AsDouble(scale_obj);
    if (sm_scale == -1.0 && PyErr_Occurred()) goto fail;
    if (ta_kv_from_pyobject(kv_obj, &kv, &kv_keep) < 0) goto fail;
    if (check_head_dim(&q) < 0 || check_out(&out, &q) < 0 || lse_pointer(lse_obj, &q, &lse) < 0) goto fail;
    if (kv.residual_k.device != q.device) {
        PyErr_Format(PyExc_ValueError, "kv is in %s memory but q is %s", kv.residual_k.device == TA_CUDA ? "CUDA" : "host",
                     q.device == TA_CUDA ? "on a CUDA device" : "in host memory");
        goto fail;
    }
    if (check_same_dtype(&kv.residual_k, "kv (its residual rows)", &q) < 0) goto fail;
    if (kv.D != q.shape[3]) {
        PyErr_Format(PyExc_ValueError, "kv must have the head dim of q (got %d, expected %lld)", kv.D,
                     (long long)q.shape[3]);
        goto fail;
    }
    if (kv.B != q.shape[0]) {
        PyErr_Format(PyExc_ValueError, "kv must have the batch size of q (got %d, expected %lld)", kv.B,
                     (long long)q.shape[0]);
        goto fail;
    }
    if (q.shape[1] % kv.H != 0) {
        PyErr_Format(PyExc_ValueError, "q heads must be a multiple of kv heads for grouped-query attention (got %lld "
                     "and %d)", (long long)q.shape[1], kv.H);
        goto fail;
    }
    if (fill_params(&p, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed, TA_BQ, kv.block, n_threads) < 0)
        goto fail;
    if (step ? run_attention_step(&p, &q, &kv, &out, lse, &k_new, &v_new) < 0
             : run_attention(&p, &q, NULL, NULL, &kv, &out, lse) < 0)
        goto fail;
    result = PyTuple_Pack(2, out_obj, lse ? lse_obj : Py_None);
fail:
    Py_XDECREF(q_keep);
    Py_XDECREF(k_keep);
    Py_XDECREF(v_keep);
    Py_XDECREF(kv_keep);
    Py_XDECREF(out_keep);
    Py_XDECREF(made_out);
    Py_XDECREF(made_lse);
    return result;
}

/* SAS EXP2 elementwise, the exact function attention uses (the table path, identical to sas.h). */
static PyObject *py_sas_exp2(PyObject *self, PyObject *args)
{
    PyObject *x_obj;
    int threshold = TA_SAS_T_DEFAULT;
    if (!PyArg_ParseTuple(args, "O|i:sas_exp2", &x_obj, &threshold)) return NULL;
    if (threshold < 0 || threshold > TA_SAS_T_MAX) {
        PyErr_Format(PyExc_ValueError, "threshold must be an integer in [0, %d] (got %d)", TA_SAS_T_MAX, threshold);
        return NULL;
    }
    if (!PyArray_Check(x_obj) || PyArray_TYPE((PyArrayObject *)x_obj) != NPY_FLOAT32 ||
        !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)x_obj)) {
        PyErr_SetString(PyExc_TypeError, "x must be a C-contiguous float32 NumPy array");
        return NULL;
    }
    PyArrayObject *x = (PyArrayObject *)x_obj;
    npy_intp n = PyArray_SIZE(x);
    const float *src = (const float *)PyArray_DATA(x);
    for (npy_intp i = 0; i < n; i++)
        if (!(src[i] <= 0.0f)) {
            char buf[64];
            PyErr_Format(PyExc_ValueError, "x must hold values <= 0 (SAS EXP2 is defined for t <= 0; got %s at flat "
                         "index %zd)", format_double(src[i], buf, sizeof buf), (Py_ssize_t)i);
            return NULL;
        }
    PyArrayObject *y = (PyArrayObject *)PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_FLOAT32);
    if (!y) return NULL;
    float *dst = (float *)PyArray_DATA(y);
    ta_sas_cpu_init();
    Py_BEGIN_ALLOW_THREADS
    for (npy_intp i = 0; i < n; i++) dst[i] = ta_sas_exp2_cpu(src[i], threshold);
    Py_END_ALLOW_THREADS
    return (PyObject *)y;
}

/* _attn_simd() -> level; _attn_simd(level) sets it (clamped to the CPU) and returns the previous level.
 * 0 portable C, 1 AVX2, 2 AVX-512 (VNNI); tests run each level and compare them bit for bit. */
static PyObject *py_attn_simd(PyObject *self, PyObject *args)
{
    int level = -1;
    if (!PyArg_ParseTuple(args, "|i:_attn_simd", &level)) return NULL;
    int previous = level < 0 ? ta_igemm_simd_active() : ta_igemm_set_simd(level);
    return PyLong_FromLong(previous);
}

PyMethodDef ta_attn_methods[] = {
    {"attention", (PyCFunction)(void (*)(void))py_attention, METH_VARARGS | METH_KEYWORDS,
     "attention(q, k, v, out, lse, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed, block_q, block_k, "
     "n_threads, bnhd=False, qk_scale_token=False, k_smooth=False, qk_equalize=False)\n--\n\n"
     "SPEC section 2/3 attention into out (and lse [B, Hq, Nq] float32 unless None); n_threads <= 0: "
     "TURBOATTN_NUM_THREADS or the CPU count; bnhd: tensors are [B, N, H, D]; the last three: accuracy options "
     "(CPU, dense k/v)."},
    {"attention_kv", py_attention_kv, METH_VARARGS,
     "attention_kv(q, kv, out, lse, sm_scale, causal, softmax_exact, sas_threshold, p_scale_fixed, n_threads, "
     "bnhd=False, k_new=None, v_new=None)\n--\n\n"
     "SPEC section 5: attention of q against a QuantizedKV -> (out, lse). out None: made like q; lse True: made "
     "(float32 [B, Hq, Nq]), None: none; sm_scale None: 1 / sqrt(D). k_new, v_new (CUDA cache, rows that fit its "
     "residual window without filling it): appended first in the same call; the caller adds them to n_residual."},
    {"sas_exp2", py_sas_exp2, METH_VARARGS,
     "sas_exp2(x, threshold=8)\n--\n\nSAS EXP2 (SPEC section 3) of a float32 array of values <= 0."},
    {"_attn_simd", py_attn_simd, METH_VARARGS, "_attn_simd([level]) -> previous level (0 portable, 1 AVX2, 2 AVX-512)."},
    {NULL, NULL, 0, NULL},
};
