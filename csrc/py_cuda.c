/* Python bindings of the CUDA prefill stage: device info, the stage-1 quantizer on device tensors, a direct
 * entry to the prefill kernel (what _C.attention dispatches to, without its CPU branch), and a test hook
 * for the kernel's paired SAS EXP2. Device tensors come in through DLPack (buffers.h); codes, scales and
 * lse are DeviceArrays. Built without CUDA, everything but cuda_info raises RuntimeError. */
#include "bindings.h"
#include "buffers.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>

#include "attn.h"
#include "ta_consts.h"
#include "ta_status.h"

#ifdef TA_WITH_CUDA
#include "attn_prefill.cuh"
#include "quant.cuh"

extern int ta_attention_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                             const ta_view4 *out, float *lse);

static int require_cuda_view(const ta_view4 *v, const char *name)
{
    if (v->device == TA_CUDA) return 0;
    PyErr_Format(PyExc_ValueError, "%s must be a CUDA tensor (got host memory)", name);
    return -1;
}

/* A DeviceArray of `dtype` with exactly `shape`, on `device_id`: the caller's, or a new one if obj is None.
 * Returns a new reference and its memory in *data. */
static PyObject *device_output(PyObject *obj, const char *name, const char *dtype, int ndim, const int64_t *shape,
                               int device_id, void **data)
{
    if (obj == Py_None) {
        PyObject *made = ta_device_array_new(ndim, shape, dtype, device_id);
        if (!made) return NULL;
        ta_device_buffer buf;
        if (ta_device_buffer_from_object(made, name, dtype, ndim, &buf) < 0) {
            Py_DECREF(made);
            return NULL;
        }
        *data = buf.data;
        return made;
    }
    ta_device_buffer buf;
    if (ta_device_buffer_from_object(obj, name, dtype, ndim, &buf) < 0) return NULL;
    for (int i = 0; i < ndim; i++)
        if (buf.shape[i] != shape[i]) {
            PyErr_Format(PyExc_ValueError, "%s must have size %lld in dimension %d (got %lld)", name,
                         (long long)shape[i], i, (long long)buf.shape[i]);
            return NULL;
        }
    if (buf.device_id != device_id) {
        PyErr_Format(PyExc_ValueError, "%s is on cuda:%d but the input is on cuda:%d", name, buf.device_id, device_id);
        return NULL;
    }
    *data = buf.data;
    Py_INCREF(obj);
    return obj;
}

static PyObject *py_cuda_quantize_int8(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"x", "codes_out", "scales_out", "block", NULL};
    PyObject *x_obj, *codes_obj = Py_None, *scales_obj = Py_None;
    int block = TA_BK;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OOi:cuda_quantize_int8", kwlist, &x_obj, &codes_obj, &scales_obj,
                                     &block))
        return NULL;
    PyObject *x_keep = NULL, *codes = NULL, *scales = NULL;
    ta_view4 x;
    if (ta_view_from_object(x_obj, "x", &x, &x_keep) < 0 || require_cuda_view(&x, "x") < 0) goto fail;
    if (block != TA_BK) {
        PyErr_Format(PyExc_ValueError, "block must be %d on CUDA (got %d)", TA_BK, block);
        goto fail;
    }
    int64_t n_blocks = (x.shape[2] + block - 1) / block;
    int64_t scale_shape[3] = {x.shape[0], x.shape[1], n_blocks};
    void *codes_data = NULL, *scales_data = NULL;
    codes = device_output(codes_obj, "codes_out", "int8", 4, x.shape, x.device_id, &codes_data);
    if (!codes) goto fail;
    scales = device_output(scales_obj, "scales_out", "float32", 3, scale_shape, x.device_id, &scales_data);
    if (!scales) goto fail;
    int status;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    status = ta_quantize_int8_cuda(&x, block, (int8_t *)codes_data, (float *)scales_data);
    Py_END_ALLOW_THREADS
    if (status != TA_OK) {
        ta_raise_status(status);
        goto fail;
    }
    Py_XDECREF(x_keep);
    return Py_BuildValue("(NN)", codes, scales);
fail:
    Py_XDECREF(x_keep);
    Py_XDECREF(codes);
    Py_XDECREF(scales);
    return NULL;
}

static PyObject *py_cuda_attention(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"q", "k", "v", "out", "lse", "sm_scale", "causal", "softmax_exact", "sas_threshold",
                             "p_scale_fixed", NULL};
    PyObject *q_obj, *k_obj, *v_obj, *out_obj, *lse_obj = Py_None, *scale_obj = Py_None;
    int causal = 0, softmax_exact = 0, sas_threshold = TA_SAS_T_DEFAULT, p_scale_fixed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO|OOppip:cuda_attention", kwlist, &q_obj, &k_obj, &v_obj,
                                     &out_obj, &lse_obj, &scale_obj, &causal, &softmax_exact, &sas_threshold,
                                     &p_scale_fixed))
        return NULL;
    PyObject *q_keep = NULL, *k_keep = NULL, *v_keep = NULL, *out_keep = NULL;
    ta_view4 q, k, v, out;
    if (ta_view_from_object(q_obj, "q", &q, &q_keep) < 0 || ta_view_from_object(k_obj, "k", &k, &k_keep) < 0 ||
        ta_view_from_object(v_obj, "v", &v, &v_keep) < 0 ||
        ta_view_from_object_writable(out_obj, "out", &out, &out_keep) < 0)
        goto fail;
    if (require_cuda_view(&q, "q") < 0) goto fail;
    double sm_scale = scale_obj == Py_None ? 1.0 / sqrt((double)q.shape[3]) : PyFloat_AsDouble(scale_obj);
    if (sm_scale == -1.0 && PyErr_Occurred()) goto fail;
    if (!(sm_scale > 0.0) || !(sm_scale <= TA_SM_SCALE_MAX)) {
        PyErr_SetString(PyExc_ValueError, "sm_scale must be positive and at most 2^16 (float32 scores; ta_consts.h)");
        goto fail;
    }
    float *lse = NULL;
    if (lse_obj != Py_None) {
        ta_device_buffer buf;
        if (ta_device_buffer_from_object(lse_obj, "lse", "float32", 3, &buf) < 0) goto fail;
        if (buf.shape[0] != q.shape[0] || buf.shape[1] != q.shape[1] || buf.shape[2] != q.shape[2] ||
            buf.device_id != q.device_id) {
            PyErr_Format(PyExc_ValueError, "lse must be a float32 DeviceArray [%lld, %lld, %lld] on cuda:%d",
                         (long long)q.shape[0], (long long)q.shape[1], (long long)q.shape[2], q.device_id);
            goto fail;
        }
        lse = (float *)buf.data;
    }
    ta_attn_params p = {0};
    p.sm_scale = (float)sm_scale;
    p.causal = causal;
    p.softmax_exact = softmax_exact;
    p.sas_threshold = sas_threshold;
    p.p_scale_fixed = p_scale_fixed;
    p.block_q = TA_BQ;
    p.block_k = TA_BK;
    int status;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    status = ta_attention_cuda(&p, &q, &k, &v, &out, lse);
    Py_END_ALLOW_THREADS
    if (status != TA_OK) {
        ta_raise_status(status);
        goto fail;
    }
    Py_XDECREF(q_keep);
    Py_XDECREF(k_keep);
    Py_XDECREF(v_keep);
    Py_XDECREF(out_keep);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(q_keep);
    Py_XDECREF(k_keep);
    Py_XDECREF(v_keep);
    Py_XDECREF(out_keep);
    return NULL;
}

static PyObject *py_cuda_sas_exp2_check(PyObject *self, PyObject *args)
{
    PyObject *t_obj;
    int threshold;
    float inv = 0.0f;
    if (!PyArg_ParseTuple(args, "Oi|f:cuda_sas_exp2_check", &t_obj, &threshold, &inv)) return NULL;
    if (!(inv >= 0.0f && inv < 1e30f)) {
        PyErr_SetString(PyExc_ValueError, "inv must be a finite float >= 0 (0: check EXP2 instead of codes)");
        return NULL;
    }
    PyArrayObject *t = (PyArrayObject *)PyArray_FROMANY(t_obj, NPY_FLOAT32, 1, 1, NPY_ARRAY_C_CONTIGUOUS);
    if (!t) return NULL;
    npy_intp n = PyArray_SIZE(t);
    PyObject *fast = PyArray_SimpleNew(1, &n, NPY_FLOAT32), *reference = PyArray_SimpleNew(1, &n, NPY_FLOAT32);
    if (!fast || !reference) goto fail;
    int status;
    ta_clear_error();
    Py_BEGIN_ALLOW_THREADS
    status = ta_cuda_sas_exp2_check((const float *)PyArray_DATA(t), (int64_t)n, threshold, inv,
                                    (float *)PyArray_DATA((PyArrayObject *)fast),
                                    (float *)PyArray_DATA((PyArrayObject *)reference));
    Py_END_ALLOW_THREADS
    if (status != TA_OK) {
        ta_raise_status(status);
        goto fail;
    }
    Py_DECREF(t);
    return Py_BuildValue("(NN)", fast, reference);
fail:
    Py_DECREF(t);
    Py_XDECREF(fast);
    Py_XDECREF(reference);
    return NULL;
}

#else /* built without CUDA */

static PyObject *no_cuda(void)
{
    PyErr_SetString(PyExc_RuntimeError, "turboattn was built without CUDA");
    return NULL;
}
static PyObject *py_cuda_quantize_int8(PyObject *self, PyObject *args, PyObject *kwargs) { return no_cuda(); }
static PyObject *py_cuda_attention(PyObject *self, PyObject *args, PyObject *kwargs) { return no_cuda(); }
static PyObject *py_cuda_sas_exp2_check(PyObject *self, PyObject *args) { return no_cuda(); }

#endif

/* Never raises for want of CUDA: a build or machine without it reports built_with_cuda / device_count. */
static PyObject *py_cuda_info(PyObject *self, PyObject *args)
{
    int device = 0;
    if (!PyArg_ParseTuple(args, "|i:cuda_info", &device)) return NULL;
    int count = 0, major = 0, minor = 0, built = 0;
    char name[256] = "";
#ifdef TA_WITH_CUDA
    built = 1;
    ta_cuda_device_info(device, &count, name, (int)sizeof name, &major, &minor);
#endif
    if (device >= 0 && device < count)
        return Py_BuildValue("{s:O,s:i,s:s,s:(ii)}", "built_with_cuda", built ? Py_True : Py_False, "device_count",
                             count, "name", name, "cc", major, minor);
    return Py_BuildValue("{s:O,s:i,s:O,s:O}", "built_with_cuda", built ? Py_True : Py_False, "device_count", count,
                         "name", Py_None, "cc", Py_None);
}

PyMethodDef ta_cuda_methods[] = {
    {"cuda_info", py_cuda_info, METH_VARARGS,
     "cuda_info(device=0) -> dict(built_with_cuda, device_count, name, cc); never raises for want of CUDA."},
    {"cuda_quantize_int8", (PyCFunction)(void (*)(void))py_cuda_quantize_int8, METH_VARARGS | METH_KEYWORDS,
     "cuda_quantize_int8(x, codes_out=None, scales_out=None, block=64) -> (codes, scales): SPEC section 1 on a CUDA "
     "tensor x [B, H, N, D]; codes int8 [B, H, N, D] and scales float32 [B, H, ceil(N/64)] DeviceArrays (given or "
     "new). Bit-identical to the CPU quantizer; ValueError if x holds NaN or Inf."},
    {"cuda_attention", (PyCFunction)(void (*)(void))py_cuda_attention, METH_VARARGS | METH_KEYWORDS,
     "cuda_attention(q, k, v, out, lse=None, sm_scale=None, causal=False, softmax_exact=False, sas_threshold=8, "
     "p_scale_fixed=False): the CUDA prefill kernel on CUDA tensors, writing out (and lse, a float32 DeviceArray)."},
    {"cuda_sas_exp2_check", py_cuda_sas_exp2_check, METH_VARARGS,
     "cuda_sas_exp2_check(t, threshold, inv=0) -> (fast, reference): the prefill kernel's paired SAS EXP2 and "
     "sas.h's scalar one, both on the GPU (test hook; threshold <= 14). With inv > 0, the p8 codes of the "
     "EXP2_SAS_FAST kernels and one rounding of EXP2(t) * inv instead (threshold <= 12)."},
    {NULL, NULL, 0, NULL},
};
