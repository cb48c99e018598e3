/* What dlpack.c (import) and device_array.c (DeviceArray, export) share: the element-type table that maps
 * DLPack dtypes, NumPy dtypes and dtype names onto each other, and the few CUDA runtime calls the
 * importer needs. Internal to the buffers stage; other stages use buffers.h. */
#ifndef TA_DEVICE_ARRAY_H
#define TA_DEVICE_ARRAY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dlpack_abi.h"

#define TA_DA_MAX_NDIM 8

typedef struct {
    const char *name;   /* NumPy spelling: "float32", "bfloat16", "int8", ... */
    ta_dl_dtype dl;
    int itemsize;
    int npy_typenum;    /* -1 for bfloat16, which NumPy only knows through ml_dtypes */
    int device_array;   /* 1 when DeviceArray may hold it */
} ta_elem_type;

/* ml_dtypes' bfloat16 is a NumPy user dtype with no fixed type number; its scalar type is
 * "ml_dtypes.bfloat16" (tp_name carries the module). */
static inline int ta_is_bfloat16_type(const PyTypeObject *scalar_type)
{
    if (!scalar_type || !scalar_type->tp_name) return 0;
    const char *dot = strrchr(scalar_type->tp_name, '.');
    return strcmp(dot ? dot + 1 : scalar_type->tp_name, "bfloat16") == 0;
}

/* Producer deleters and capsule destructors are foreign code run on our error paths: park the pending
 * exception around them so they neither see nor clobber it. */
typedef struct {
    PyObject *type, *value, *traceback;
} ta_saved_error;

static inline ta_saved_error ta_save_error(void)
{
    ta_saved_error e = {NULL, NULL, NULL};
#if PY_VERSION_HEX >= 0x030C0000
    e.value = PyErr_GetRaisedException();
#else
    PyErr_Fetch(&e.type, &e.value, &e.traceback);
#endif
    return e;
}

static inline void ta_restore_error(ta_saved_error e)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(e.value);
#else
    PyErr_Restore(e.type, e.value, e.traceback);
#endif
}

/* dlpack.c */
const ta_elem_type *ta_elem_by_name(const char *name);
const ta_elem_type *ta_elem_by_dl(ta_dl_dtype dt);
const ta_elem_type *ta_elem_by_numpy(PyObject *descr);   /* a PyArray_Descr*, borrowed */
PyObject *ta_elem_numpy_descr(const ta_elem_type *elem); /* new reference to a PyArray_Descr, or NULL */
PyObject *ta_elem_names(int device_array_only);          /* "float32, float16, ..." for messages */

/* device_array.c */
extern PyTypeObject ta_device_array_type;
int ta_device_array_ready(void);
int ta_cuda_device_count(void); /* 0 without CUDA, without a device, or on any CUDA error */
/* Blocking copy of nbytes from device memory to host memory, GIL released; RuntimeError on failure. */
int ta_cuda_copy_to_host(void *dst, const void *src, size_t nbytes, int device_id);
/* Work queued on stream `then` from now on waits for the work queued so far on stream `first` (handles; 1 is
 * the legacy default stream); the host does not block. RuntimeError with CUDA's text on failure. */
int ta_cuda_order_streams(int device_id, uintptr_t first, uintptr_t then);
/* RuntimeError naming `name` when CUDA graph capture is active on `stream`, a producer's current stream on
 * device_id (NULL and 1, the legacy stream, never capture), before any work that would invalidate the capture
 * (cuda_capture.h). */
int ta_cuda_refuse_capture(int device_id, uintptr_t stream, const char *name);

PyObject *ta_py_device_empty(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *ta_py_device_from_numpy(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *ta_py_device_to_numpy(PyObject *self, PyObject *arg);
PyObject *ta_py_cuda_device_count(PyObject *self, PyObject *unused);
PyObject *ta_py_device_live_bytes(PyObject *self, PyObject *unused);

#endif
