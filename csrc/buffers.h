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

/* Array-of-strings helpers for messages. */
const char *ta_dtype_name(ta_dtype dt);

/* DLPack import for objects that are not NumPy arrays (dlpack.c). Same contract as ta_view_from_object. */
int ta_view_from_dlpack(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive);

#endif
