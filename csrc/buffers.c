#include "buffers.h"
#include "device_array.h"
#include "ta_consts.h"
#include "ta_status.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <string.h>

PyObject *ta_raise_status(int status)
{
    PyObject *type = status == TA_ERR_NOMEM ? PyExc_MemoryError
                     : status == TA_ERR_CUDA ? PyExc_RuntimeError
                                             : PyExc_ValueError;
    PyErr_SetString(type, ta_get_error());
    return NULL;
}

const char *ta_dtype_name(ta_dtype dt)
{
    switch (dt) {
    case TA_F16: return "float16";
    case TA_BF16: return "bfloat16";
    default: return "float32";
    }
}

/* NumPy has no native bfloat16; ml_dtypes registers one (device_array.h says how we recognise it). */
static int ta_numpy_dtype(PyArrayObject *arr, ta_dtype *out)
{
    PyArray_Descr *d = PyArray_DESCR(arr);
    if (d->type_num == NPY_FLOAT32) { *out = TA_F32; return 0; }
    if (d->type_num == NPY_FLOAT16) { *out = TA_F16; return 0; }
    if (PyArray_ITEMSIZE(arr) == 2 && ta_is_bfloat16_type(d->typeobj)) {
        *out = TA_BF16;
        return 0;
    }
    return -1;
}

int ta_check_view(const ta_view4 *v, const char *name)
{
    for (int i = 0; i < 4; i++)
        if (v->shape[i] <= 0) {
            PyErr_Format(PyExc_ValueError, "%s must not be empty (shape [%lld, %lld, %lld, %lld])", name,
                         (long long)v->shape[0], (long long)v->shape[1], (long long)v->shape[2],
                         (long long)v->shape[3]);
            return -1;
        }
    /* A zero stride makes many (b, h, n, d) share one element: fine to read, a race to write, and
     * kernels are promised (ta_tensor.h) that it never happens. */
    for (int i = 0; i < 4; i++)
        if (v->shape[i] > 1 && v->stride[i] == 0) {
            PyErr_Format(PyExc_ValueError, "%s has stride 0 in dimension %d of size %lld (a broadcast view); "
                         "pass a copy, e.g. numpy.ascontiguousarray(%s)", name, i, (long long)v->shape[i], name);
            return -1;
        }
    int itemsize = ta_dtype_size(v->dtype);
    if (((uintptr_t)v->data) % (uintptr_t)itemsize != 0) {
        PyErr_Format(PyExc_ValueError, "%s data pointer is not aligned to its item size %d", name, itemsize);
        return -1;
    }
    return 0;
}

int ta_view_from_object(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive)
{
    *keepalive = NULL;
    if (!PyArray_Check(obj)) {
        if (ta_is_device_array(obj)) {
            if (ta_device_array_view(obj, name, view) < 0) return -1;
            Py_INCREF(obj);
            *keepalive = obj;
            return 0;
        }
        if (PyObject_HasAttrString(obj, "__dlpack__")) return ta_view_from_dlpack(obj, name, view, keepalive);
        PyErr_Format(PyExc_TypeError, "%s must be a NumPy array or an object with __dlpack__ (got %s)", name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyArrayObject *arr = (PyArrayObject *)obj;
    if (PyArray_NDIM(arr) != 4) {
        PyErr_Format(PyExc_ValueError, "%s must be 4-D [B, H, N, D] (got %d dimensions)", name, PyArray_NDIM(arr));
        return -1;
    }
    if (ta_numpy_dtype(arr, &view->dtype) != 0) {
        PyObject *s = PyObject_Str((PyObject *)PyArray_DESCR(arr));
        PyErr_Format(PyExc_TypeError, "%s must be float16, bfloat16 or float32 (got %s)", name,
                     s ? PyUnicode_AsUTF8(s) : "?");
        Py_XDECREF(s);
        return -1;
    }
    if (!PyArray_ISNOTSWAPPED(arr)) {
        PyErr_Format(PyExc_TypeError, "%s must be in native byte order", name);
        return -1;
    }
    int itemsize = ta_dtype_size(view->dtype);
    for (int i = 0; i < 4; i++) {
        npy_intp s = PyArray_STRIDE(arr, i);
        if (s % itemsize != 0) {
            PyErr_Format(PyExc_ValueError, "%s has a stride of %zd bytes in dimension %d, not a multiple of its "
                         "item size %d", name, (Py_ssize_t)s, i, itemsize);
            return -1;
        }
        view->shape[i] = PyArray_DIM(arr, i);
        view->stride[i] = s / itemsize;
    }
    view->data = PyArray_DATA(arr);
    view->device = TA_CPU;
    view->device_id = 0;
    if (ta_check_view(view, name) < 0) return -1;
    Py_INCREF(obj);
    *keepalive = obj;
    return 0;
}

int ta_view_from_object_writable(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive)
{
    if (ta_view_from_object(obj, name, view, keepalive) < 0) return -1;
    int readonly = PyArray_Check(*keepalive) ? !PyArray_ISWRITEABLE((PyArrayObject *)*keepalive)
                                             : ta_dlpack_keepalive_readonly(*keepalive);
    if (readonly) {
        Py_CLEAR(*keepalive);
        PyErr_Format(PyExc_ValueError, "%s is read-only; an output needs writable memory", name);
        return -1;
    }
    return 0;
}

PyObject *ta_require_array(PyObject *obj, const char *name, int typenum, int ndim, int writeable)
{
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a NumPy array (got %s)", name, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)obj;
    if (PyArray_TYPE(arr) != typenum || (ndim >= 0 && PyArray_NDIM(arr) != ndim) || !PyArray_IS_C_CONTIGUOUS(arr) ||
        (writeable && !PyArray_ISWRITEABLE(arr))) {
        PyObject *want = (PyObject *)PyArray_DescrFromType(typenum);
        PyObject *s = want ? PyObject_Str(want) : NULL;
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous%s %d-D %s array", name, writeable ? " writeable" : "",
                     ndim, s ? PyUnicode_AsUTF8(s) : "?");
        Py_XDECREF(s);
        Py_XDECREF(want);
        return NULL;
    }
    return obj;
}

int ta_check_finite(const ta_view4 *v, const char *name)
{
    if (v->device != TA_CPU) return 0;
    int64_t bad[4] = {-1, -1, -1, -1};
    Py_BEGIN_ALLOW_THREADS
    for (int64_t b = 0; b < v->shape[0] && bad[0] < 0; b++)
        for (int64_t h = 0; h < v->shape[1] && bad[0] < 0; h++)
            for (int64_t n = 0; n < v->shape[2] && bad[0] < 0; n++)
                for (int64_t d = 0; d < v->shape[3]; d++) {
                    float x = ta_load(v, ta_offset(v, b, h, n, d));
                    if (!(fabsf(x) <= TA_INPUT_ABS_MAX)) { /* false for NaN too */
                        bad[0] = b, bad[1] = h, bad[2] = n, bad[3] = d;
                        break;
                    }
                }
    Py_END_ALLOW_THREADS
    if (bad[0] >= 0) {
        float x = ta_load(v, ta_offset(v, bad[0], bad[1], bad[2], bad[3]));
        char what[32];
        if (x != x) PyOS_snprintf(what, sizeof what, "NaN");
        else if (isinf(x)) PyOS_snprintf(what, sizeof what, "%cInf", x > 0 ? '+' : '-');
        else PyOS_snprintf(what, sizeof what, "%.3g", (double)x);
        PyErr_Format(PyExc_ValueError, "%s contains %s at index [%lld, %lld, %lld, %lld]; " TA_INPUT_RANGE_TEXT, name,
                     what, (long long)bad[0], (long long)bad[1], (long long)bad[2], (long long)bad[3]);
        return -1;
    }
    return 0;
}
