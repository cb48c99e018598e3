/* Turning Python objects into ta_view4 views, with argument-named errors. Every entry point takes its
 * tensors through here, so validation (dtype, rank, size, layout, device, finiteness) lives in one place. */
#ifndef TA_BUFFERS_H
#define TA_BUFFERS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "ta_tensor.h"

/* Borrows obj as a 4-D float view: a NumPy array directly, anything else through DLPack (dlpack.c).
 * On success *keepalive holds a new reference that keeps the memory valid (release with Py_XDECREF);
 * on failure a Python exception naming `name` is set, *keepalive is NULL, and -1 is returned.
 * Rejects: wrong rank, dtype other than float16/bfloat16/float32, zero-size, misaligned strides. */
int ta_view_from_object(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive);

/* Same for a NumPy array of any dtype/rank the caller checks itself (used for int8/uint8 code buffers).
 * Returns a borrowed PyArrayObject* cast to PyObject*, or NULL with TypeError naming `name`. */
PyObject *ta_require_array(PyObject *obj, const char *name, int typenum, int ndim, int writeable);

/* ValueError naming `name` if any element is NaN or +-Inf (CPU views; CUDA views go to the GPU check). */
int ta_check_finite(const ta_view4 *view, const char *name);

/* Raises the Python exception for a ta_status (ta_status.h) with the C side's message; returns NULL.
 * TA_ERR_NOMEM -> MemoryError, TA_ERR_CUDA -> RuntimeError (CUDA's error text), else ValueError. */
PyObject *ta_raise_status(int status);

/* Array-of-strings helpers for messages. */
const char *ta_dtype_name(ta_dtype dt);

/* dlpack.c: a new reference to the NumPy dtype of a float view type (bfloat16 through ml_dtypes), or NULL. */
PyObject *ta_numpy_descr_of(ta_dtype dt);

/* DLPack import for objects that are not NumPy arrays (dlpack.c). Same contract as ta_view_from_object. */
int ta_view_from_dlpack(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive);

/* dlpack.c: between begin and end, CUDA imports synchronise once per producer library and device: the
 * first PyTorch (or CuPy) tensor is asked for stream=1, later ones of the same library for stream=-1, since
 * those producers order their whole current stream. A binding that imports several arrays brackets them;
 * every path out of the binding must call end. */
void ta_dlpack_scope_begin(void);
void ta_dlpack_scope_end(void);

/* For outputs: ta_view_from_object that also rejects read-only memory (a non-writeable NumPy array, a
 * DLPack tensor its producer flagged read-only). */
int ta_view_from_object_writable(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive);

/* Checks every view path shares (empty, zero stride on a dimension of size > 1, misaligned data);
 * ValueError naming `name`. */
int ta_check_view(const ta_view4 *view, const char *name);

/* dlpack.c: nonzero when `keepalive` (from ta_view_from_dlpack) holds a tensor flagged read-only. */
int ta_dlpack_keepalive_readonly(PyObject *keepalive);

/* device_array.c: turboattn._C.DeviceArray, C-contiguous device memory exported through __dlpack__. */
int ta_is_device_array(PyObject *obj);
/* A 4-D float16/bfloat16/float32 DeviceArray as a CUDA view; the caller keeps obj alive. */
int ta_device_array_view(PyObject *obj, const char *name, ta_view4 *view);

/* A DeviceArray's memory for bindings that take device buffers of other dtypes (codes, scales). */
typedef struct {
    void *data;
    int device_id;
    int ndim;
    const int64_t *shape;
    const char *dtype; /* "int8", "uint8", "float32", ... */
    size_t nbytes;
} ta_device_buffer;
/* TypeError naming `name` unless obj is a DeviceArray of dtype `dtype` (NULL: any) and rank `ndim`
 * (-1: any). Borrowed: the caller keeps obj alive while it uses out->data. */
int ta_device_buffer_from_object(PyObject *obj, const char *name, const char *dtype, int ndim,
                                 ta_device_buffer *out);
/* A new uninitialised DeviceArray (C-contiguous) on `device_id`; NULL with an exception set. */
PyObject *ta_device_array_new(int ndim, const int64_t *shape, const char *dtype, int device_id);

#endif
