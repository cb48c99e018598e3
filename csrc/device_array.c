/* turboattn._C.DeviceArray: C-contiguous CUDA memory owned by a Python object, how CUDA results leave
 * turboattn. It exports itself through __dlpack__ (PyTorch, CuPy, JAX take it without a copy) and is
 * read directly, without a DLPack round trip, by ta_view_from_object.
 *
 * All device work here is ordered on the legacy default stream (cudaStreamLegacy), the stream every
 * turboattn kernel is launched on; docs/DESIGN.md "Streams" says what that means for consumers. */
#include "buffers.h"
#include "device_array.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#ifdef TA_WITH_CUDA
#include <cuda_runtime_api.h>

#include "cuda_capture.h"
#endif

typedef struct {
    PyObject_HEAD
    void *data; /* NULL when nbytes == 0 */
    const ta_elem_type *elem;
    int device_id;
    int ndim;
    int64_t shape[TA_DA_MAX_NDIM];
    size_t nbytes;
    int pooled;   /* from turboattn's stream-ordered pool (ta_pool_alloc), else cudaMalloc */
    int exported; /* handed out through __dlpack__ or .ptr: other streams may still use it when freed */
} ta_device_array;

static size_t ta_live_bytes; /* device memory held by DeviceArrays; guarded by the GIL */

/* ---- CUDA runtime calls ---------------------------------------------------------------------------- */

#ifdef TA_WITH_CUDA
/* RuntimeError with CUDA's text; the failure is also cleared from the thread's last error, where the next
 * launch check would find it (cuda_common.cuh, ta_cuda_check_). */
static int ta_cuda_fail(cudaError_t err, const char *what)
{
    cudaGetLastError();
    if (ta_is_capture_error(err))
        PyErr_Format(PyExc_RuntimeError, "%s (CUDA %s failed: %s)", TA_CAPTURE_WHY, what, cudaGetErrorString(err));
    else
        PyErr_Format(PyExc_RuntimeError, "CUDA %s failed: %s", what, cudaGetErrorString(err));
    return -1;
}

/* Makes device_id current for the calls that follow and gives the caller's device back after, so
 * turboattn never changes the device a program thinks is current. Callable without the GIL. */
static cudaError_t ta_cuda_enter(int device_id, int *prev)
{
    cudaError_t err = cudaGetDevice(prev);
    if (err == cudaSuccess && *prev != device_id) err = cudaSetDevice(device_id);
    return err;
}

static void ta_cuda_leave(int device_id, int prev)
{
    if (prev != device_id) cudaSetDevice(prev);
}

/* ---- stream-ordered allocation ---------------------------------------------------------------------
 * cudaFree waits for the whole device, so a DeviceArray freed every decode step (flashq_attention's output)
 * serialised the host with the GPU once per call. DeviceArrays come from a memory pool of our own per device
 * (cudaMallocFromPoolAsync on the legacy stream, where every turboattn kernel and copy runs) and go back with
 * cudaFreeAsync on that stream: the memory is reused only after the work queued before the free. An array
 * that was handed out (__dlpack__, .ptr) may still be in use on a consumer's stream, so its free first waits
 * for the device, as cudaFree did. The pool keeps up to TA_POOL_KEEP bytes of freed memory between
 * synchronisations and returns the rest; devices without memory pools use cudaMalloc/cudaFree. Called with
 * the device current and without the GIL. */
#define TA_POOL_DEVICES 64
#define TA_POOL_KEEP ((uint64_t)256 << 20)
static cudaMemPool_t ta_pools[TA_POOL_DEVICES];
static int ta_pool_state[TA_POOL_DEVICES]; /* 0: not tried, 1: ready, -1: unsupported */
static pthread_mutex_t ta_pool_lock = PTHREAD_MUTEX_INITIALIZER;

static cudaMemPool_t ta_pool_of(int device_id)
{
    if (device_id < 0 || device_id >= TA_POOL_DEVICES) return NULL;
    pthread_mutex_lock(&ta_pool_lock);
    if (ta_pool_state[device_id] == 0) {
        int supported = 0;
        cudaMemPool_t pool = NULL;
        struct cudaMemPoolProps props;
        memset(&props, 0, sizeof props);
        props.allocType = cudaMemAllocationTypePinned;
        props.location.type = cudaMemLocationTypeDevice;
        props.location.id = device_id;
        uint64_t keep = TA_POOL_KEEP;
        if (cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device_id) == cudaSuccess &&
            supported && cudaMemPoolCreate(&pool, &props) == cudaSuccess &&
            cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep) == cudaSuccess) {
            ta_pools[device_id] = pool;
            ta_pool_state[device_id] = 1;
        } else {
            cudaGetLastError(); /* an answer, not an error to leave behind */
            ta_pool_state[device_id] = -1;
        }
    }
    cudaMemPool_t pool = ta_pool_state[device_id] == 1 ? ta_pools[device_id] : NULL;
    pthread_mutex_unlock(&ta_pool_lock);
    return pool;
}
#endif

int ta_cuda_device_count(void)
{
#ifdef TA_WITH_CUDA
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError(); /* "no driver"/"no device" is an answer here, not an error to leave behind */
        return 0;
    }
    return count;
#else
    return 0;
#endif
}

/* RuntimeError unless CUDA is built in and usable; ValueError naming device_id if it is out of range. */
static int ta_require_device(int device_id)
{
#ifndef TA_WITH_CUDA
    (void)device_id;
    PyErr_SetString(PyExc_RuntimeError, "turboattn was built without CUDA");
    return -1;
#else
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        cudaGetLastError();
        return ta_cuda_fail(err, "cudaGetDeviceCount");
    }
    if (device_id < 0 || device_id >= count) {
        PyErr_Format(PyExc_ValueError, "device_id must be in [0, %d) (got %d)", count, device_id);
        return -1;
    }
    return 0;
#endif
}

#ifdef TA_WITH_CUDA
/* Whether host memory is pageable (not pinned, registered or managed): only from there does cudaMemcpyAsync
 * copy the source away before it returns. */
static int ta_host_is_pageable(const void *p)
{
    struct cudaPointerAttributes attr;
    if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
        cudaGetLastError();
        return 0; /* unknown: take the blocking copy */
    }
    return attr.type == cudaMemoryTypeUnregistered;
}

/* A copy on the legacy default stream, GIL released; RuntimeError naming `what` on failure. Device to host
 * blocks until the data is there. Host to device from pageable memory is cudaMemcpyAsync, which returns once the
 * source is staged, so the caller may change or free it, without cudaMemcpy's wait for all work queued on the
 * device (three such waits were a sixth of building a 32k cache, decode-v18 run 1); later work on the legacy
 * stream, and any consumer of a DLPack export, which waits for that stream, sees the data. From pinned or managed
 * memory an async copy would still be reading the source after the return (a NumPy view of a pinned torch tensor,
 * say), so those take the blocking copy. */
static int ta_cuda_copy(void *dst, const void *src, size_t nbytes, int device_id, enum cudaMemcpyKind kind,
                        const char *what)
{
    if (nbytes == 0) return 0;
    cudaError_t err;
    int prev = device_id;
    Py_BEGIN_ALLOW_THREADS
    err = ta_cuda_enter(device_id, &prev);
    if (err == cudaSuccess)
        err = kind == cudaMemcpyHostToDevice && ta_host_is_pageable(src)
                  ? cudaMemcpyAsync(dst, src, nbytes, kind, cudaStreamLegacy)
                  : cudaMemcpy(dst, src, nbytes, kind);
    ta_cuda_leave(device_id, prev);
    Py_END_ALLOW_THREADS
    return err == cudaSuccess ? 0 : ta_cuda_fail(err, what);
}
#endif

int ta_cuda_copy_to_host(void *dst, const void *src, size_t nbytes, int device_id)
{
#ifdef TA_WITH_CUDA
    return ta_cuda_copy(dst, src, nbytes, device_id, cudaMemcpyDeviceToHost, "cudaMemcpy (device to host)");
#else
    (void)dst, (void)src, (void)nbytes, (void)device_id;
    PyErr_SetString(PyExc_RuntimeError, "turboattn was built without CUDA");
    return -1;
#endif
}

/* ---- the type ------------------------------------------------------------------------------------------ */

int ta_is_device_array(PyObject *obj) { return PyObject_TypeCheck(obj, &ta_device_array_type); }

static ta_device_array *ta_device_array_alloc(int ndim, const int64_t *shape, const ta_elem_type *elem,
                                              int device_id)
{
    if (ta_require_device(device_id) < 0) return NULL;
    if (ndim < 0 || ndim > TA_DA_MAX_NDIM) {
        PyErr_Format(PyExc_ValueError, "shape must have at most %d dimensions (got %d)", TA_DA_MAX_NDIM, ndim);
        return NULL;
    }
    size_t nbytes = (size_t)elem->itemsize;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            PyErr_Format(PyExc_ValueError, "shape must not be negative (got %lld in dimension %d)",
                         (long long)shape[i], i);
            return NULL;
        }
        if (__builtin_mul_overflow(nbytes, (size_t)shape[i], &nbytes) || nbytes > (size_t)PY_SSIZE_T_MAX) {
            PyErr_SetString(PyExc_OverflowError, "shape is too large to allocate");
            return NULL;
        }
    }
    ta_device_array *a = PyObject_New(ta_device_array, &ta_device_array_type);
    if (!a) return NULL;
    a->data = NULL;
    a->nbytes = 0;
    a->pooled = 0;
    a->exported = 0;
    a->elem = elem;
    a->device_id = device_id;
    a->ndim = ndim;
    for (int i = 0; i < ndim; i++) a->shape[i] = shape[i];
#ifdef TA_WITH_CUDA
    if (nbytes > 0) {
        cudaError_t err;
        int prev = device_id;
        void *data = NULL;
        Py_BEGIN_ALLOW_THREADS
        err = ta_cuda_enter(device_id, &prev);
        cudaMemPool_t pool = err == cudaSuccess ? ta_pool_of(device_id) : NULL;
        if (err == cudaSuccess)
            err = pool ? cudaMallocFromPoolAsync(&data, nbytes, pool, cudaStreamLegacy) : cudaMalloc(&data, nbytes);
        a->pooled = pool != NULL;
        ta_cuda_leave(device_id, prev);
        Py_END_ALLOW_THREADS
        if (err != cudaSuccess) {
            Py_DECREF(a);
            ta_cuda_fail(err, "cudaMalloc");
            return NULL;
        }
        a->data = data;
        a->nbytes = nbytes;
        ta_live_bytes += nbytes;
    }
#endif
    return a;
}

static void ta_device_array_dealloc(PyObject *self)
{
#ifdef TA_WITH_CUDA
    ta_device_array *a = (ta_device_array *)self;
    if (a->data) {
        cudaError_t err;
        int prev = a->device_id;
        /* A wait for the device (cudaFree, or before an exported array's free) lets other threads run. */
        Py_BEGIN_ALLOW_THREADS
        err = ta_cuda_enter(a->device_id, &prev);
        if (err == cudaSuccess && a->pooled) {
            if (a->exported) err = cudaDeviceSynchronize();
            if (err == cudaSuccess) err = cudaFreeAsync(a->data, cudaStreamLegacy);
        } else if (err == cudaSuccess) {
            err = cudaFree(a->data);
        }
        ta_cuda_leave(a->device_id, prev);
        Py_END_ALLOW_THREADS
        /* At interpreter exit the CUDA runtime may already be torn down and has freed everything. */
        if (err != cudaSuccess && err != cudaErrorCudartUnloading) {
            ta_saved_error pending = ta_save_error();
            PyErr_Format(PyExc_RuntimeError, "CUDA cudaFree failed while releasing a DeviceArray: %s",
                         cudaGetErrorString(err));
            PyErr_WriteUnraisable(NULL);
            ta_restore_error(pending);
        }
        ta_live_bytes -= a->nbytes;
    }
#endif
    Py_TYPE(self)->tp_free(self);
}

static PyObject *ta_shape_tuple(int ndim, const int64_t *values)
{
    PyObject *t = PyTuple_New(ndim);
    for (int i = 0; t && i < ndim; i++) {
        PyObject *v = PyLong_FromLongLong(values[i]);
        if (!v) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

static void ta_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides)
{
    int64_t step = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = step;
        step *= shape[i] > 0 ? shape[i] : 1;
    }
}

static PyObject *ta_da_shape(PyObject *self, void *unused)
{
    ta_device_array *a = (ta_device_array *)self;
    return ta_shape_tuple(a->ndim, a->shape);
}

static PyObject *ta_da_strides(PyObject *self, void *unused)
{
    ta_device_array *a = (ta_device_array *)self;
    int64_t strides[TA_DA_MAX_NDIM];
    ta_contiguous_strides(a->ndim, a->shape, strides);
    return ta_shape_tuple(a->ndim, strides);
}

static PyObject *ta_da_dtype(PyObject *self, void *unused)
{
    return PyUnicode_FromString(((ta_device_array *)self)->elem->name);
}

static PyObject *ta_da_device(PyObject *self, void *unused)
{
    return PyLong_FromLong(((ta_device_array *)self)->device_id);
}

static PyObject *ta_da_ptr(PyObject *self, void *unused)
{
    ((ta_device_array *)self)->exported = 1; /* the address may be used on any stream */
    return PyLong_FromVoidPtr(((ta_device_array *)self)->data);
}

static PyObject *ta_da_nbytes(PyObject *self, void *unused)
{
    return PyLong_FromSize_t(((ta_device_array *)self)->nbytes);
}

static PyObject *ta_da_ndim(PyObject *self, void *unused) { return PyLong_FromLong(((ta_device_array *)self)->ndim); }

static PyObject *ta_da_repr(PyObject *self)
{
    ta_device_array *a = (ta_device_array *)self;
    PyObject *shape = ta_shape_tuple(a->ndim, a->shape);
    if (!shape) return NULL;
    PyObject *r = PyUnicode_FromFormat("DeviceArray(shape=%R, dtype='%s', device=%d)", shape, a->elem->name,
                                       a->device_id);
    Py_DECREF(shape);
    return r;
}

/* ---- DLPack export ----------------------------------------------------------------------------------- */

/* One exported tensor: the managed struct the consumer sees comes first, so the pointer the deleter
 * receives is the pointer to this block. It holds a reference to the DeviceArray until the deleter. */
typedef struct {
    union {
        ta_dl_managed legacy;
        ta_dl_managed_v versioned;
    } m;
    PyObject *owner;
    int64_t shape[TA_DA_MAX_NDIM];
    int64_t strides[TA_DA_MAX_NDIM];
} ta_export;

/* Consumers call the deleter from any thread, with or without the GIL (PyTorch frees tensors from its
 * own threads). After interpreter shutdown the DeviceArray is gone already: leak the small block. */
static void ta_export_release(ta_export *ex)
{
    if (!Py_IsInitialized()) return;
    PyGILState_STATE gil = PyGILState_Ensure();
    Py_DECREF(ex->owner);
    PyGILState_Release(gil);
    PyMem_RawFree(ex);
}

static void ta_export_delete_versioned(ta_dl_managed_v *m) { ta_export_release((ta_export *)m); }
static void ta_export_delete_legacy(ta_dl_managed *m) { ta_export_release((ta_export *)m); }

/* A capsule still under its original name was never consumed and still owns its tensor. */
static void ta_export_capsule_destructor(PyObject *capsule)
{
    ta_saved_error pending = ta_save_error();
    if (PyCapsule_IsValid(capsule, TA_DL_CAPSULE_V)) {
        ta_dl_managed_v *m = PyCapsule_GetPointer(capsule, TA_DL_CAPSULE_V);
        m->deleter(m);
    } else if (PyCapsule_IsValid(capsule, TA_DL_CAPSULE)) {
        ta_dl_managed *m = PyCapsule_GetPointer(capsule, TA_DL_CAPSULE);
        m->deleter(m);
    }
    ta_restore_error(pending);
}

static PyObject *ta_export_capsule(ta_device_array *a, int versioned, int copied)
{
    ta_export *ex = PyMem_RawCalloc(1, sizeof *ex);
    if (!ex) return PyErr_NoMemory();
    for (int i = 0; i < a->ndim; i++) ex->shape[i] = a->shape[i];
    ta_contiguous_strides(a->ndim, a->shape, ex->strides);
    ta_dl_tensor *t = versioned ? &ex->m.versioned.dl_tensor : &ex->m.legacy.dl_tensor;
    t->data = a->data;
    t->device.device_type = TA_DL_CUDA;
    t->device.device_id = a->device_id;
    t->ndim = a->ndim;
    t->dtype = a->elem->dl;
    t->shape = ex->shape;
    t->strides = ex->strides;
    t->byte_offset = 0;
    Py_INCREF(a);
    ex->owner = (PyObject *)a;
    if (versioned) {
        ex->m.versioned.version.major = TA_DL_MAJOR;
        ex->m.versioned.version.minor = 0;
        ex->m.versioned.manager_ctx = ex;
        ex->m.versioned.deleter = ta_export_delete_versioned;
        ex->m.versioned.flags = copied ? TA_DL_FLAG_IS_COPIED : 0;
    } else {
        ex->m.legacy.manager_ctx = ex;
        ex->m.legacy.deleter = ta_export_delete_legacy;
    }
    PyObject *capsule = PyCapsule_New(&ex->m, versioned ? TA_DL_CAPSULE_V : TA_DL_CAPSULE,
                                      ta_export_capsule_destructor);
    if (!capsule) ta_export_release(ex);
    return capsule;
}

/* The consumer's stream argument, per the array API: None/1 legacy default, 2 per-thread default,
 * -1 "do not synchronise", other positive ints a cudaStream_t. Sets *handle only for the last kind;
 * the others already run after our legacy-stream work (the per-thread default stream is a blocking
 * stream, so it waits for the legacy one by itself). */
static int ta_parse_stream(PyObject *stream, unsigned long long *handle)
{
    *handle = 0;
    if (stream == Py_None) return 0;
    if (!PyLong_Check(stream)) {
        PyErr_Format(PyExc_TypeError, "stream must be None or an int CUDA stream handle (got %s)",
                     Py_TYPE(stream)->tp_name);
        return -1;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(stream, &overflow);
    if (overflow > 0) {
        *handle = PyLong_AsUnsignedLongLong(stream);
        return PyErr_Occurred() ? -1 : 0;
    }
    if (v == -1 && PyErr_Occurred()) return -1;
    if (overflow < 0 || v < -1 || v == 0) {
        PyErr_Format(PyExc_ValueError, "stream=%R is not a CUDA stream for DLPack (None or 1: legacy default "
                     "stream, 2: per-thread default stream, -1: no synchronisation, or a cudaStream_t handle; 0 is "
                     "ambiguous and not allowed)", stream);
        return -1;
    }
    if (v > 2) *handle = (unsigned long long)v;
    return 0;
}

/* Work queued on `then` from now on waits for everything queued so far on `first` (stream handles; 1 is the
 * legacy default stream), without blocking the host. Export: the consumer's stream waits for the legacy one,
 * which covers every turboattn kernel that wrote the array. Import (dlpack.c): the legacy stream waits for
 * the producer's current stream. */
int ta_cuda_order_streams(int device_id, uintptr_t first, uintptr_t then)
{
#ifdef TA_WITH_CUDA
    cudaError_t err;
    const char *what = "cudaSetDevice";
    int prev = device_id;
    cudaEvent_t done = NULL;
    err = ta_cuda_enter(device_id, &prev);
    if (err == cudaSuccess) {
        what = "cudaEventCreateWithFlags";
        err = cudaEventCreateWithFlags(&done, cudaEventDisableTiming);
    }
    if (err == cudaSuccess) {
        what = "cudaEventRecord";
        err = cudaEventRecord(done, (cudaStream_t)first);
    }
    if (err == cudaSuccess) {
        what = "cudaStreamWaitEvent";
        err = cudaStreamWaitEvent((cudaStream_t)then, done, 0);
    }
    if (done) cudaEventDestroy(done); /* the runtime keeps it until the wait is satisfied */
    ta_cuda_leave(device_id, prev);
    return err == cudaSuccess ? 0 : ta_cuda_fail(err, what);
#else
    (void)device_id, (void)first, (void)then;
    PyErr_SetString(PyExc_RuntimeError, "turboattn was built without CUDA");
    return -1;
#endif
}

int ta_cuda_refuse_capture(int device_id, uintptr_t stream, const char *name)
{
#ifdef TA_WITH_CUDA
    if (stream <= 1) return 0; /* NULL or the legacy stream, which cannot capture */
    int prev = device_id;
    cudaError_t err = ta_cuda_enter(device_id, &prev);
    if (err == cudaSuccess) err = ta_capture_query((cudaStream_t)stream);
    ta_cuda_leave(device_id, prev);
    if (err == cudaSuccess) return 0;
    cudaGetLastError();
    if (ta_is_capture_error(err))
        PyErr_Format(PyExc_RuntimeError, "%s: %s (cuda:%d, stream 0x%llx)", name, TA_CAPTURE_WHY, device_id,
                     (unsigned long long)stream);
    else
        PyErr_Format(PyExc_RuntimeError, "%s: CUDA cudaSetDevice failed: %s", name, cudaGetErrorString(err));
    return -1;
#else
    (void)device_id, (void)stream, (void)name;
    return 0;
#endif
}

static int ta_parse_max_version(PyObject *max_version, int *versioned)
{
    *versioned = 0;
    if (max_version == Py_None) return 0;
    long major = -1;
    if (PyTuple_Check(max_version) && PyTuple_GET_SIZE(max_version) == 2)
        major = PyLong_AsLong(PyTuple_GET_ITEM(max_version, 0));
    if (major < 0 || PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "max_version must be None or a (major, minor) tuple of ints (got %R)",
                     max_version);
        return -1;
    }
    *versioned = major >= TA_DL_MAJOR;
    return 0;
}

static int ta_check_export_device(ta_device_array *a, PyObject *dl_device)
{
    if (dl_device == Py_None) return 0;
    long type = -1, id = -1;
    if (PyTuple_Check(dl_device) && PyTuple_GET_SIZE(dl_device) == 2) {
        type = PyLong_AsLong(PyTuple_GET_ITEM(dl_device, 0));
        id = PyLong_AsLong(PyTuple_GET_ITEM(dl_device, 1));
    }
    if (PyErr_Occurred()) return -1;
    if (type == TA_DL_CUDA && id == a->device_id) return 0;
    PyErr_Format(PyExc_BufferError, "a DeviceArray on CUDA device %d cannot be exported to DLPack device %R; "
                 "copy it to the host with turboattn._buffers.to_numpy()", a->device_id, dl_device);
    return -1;
}

static ta_device_array *ta_device_array_copy(ta_device_array *src)
{
    ta_device_array *dst = ta_device_array_alloc(src->ndim, src->shape, src->elem, src->device_id);
#ifdef TA_WITH_CUDA
    if (dst && ta_cuda_copy(dst->data, src->data, src->nbytes, src->device_id, cudaMemcpyDeviceToDevice,
                            "cudaMemcpy (device to device)") < 0)
        Py_CLEAR(dst);
#endif
    return dst;
}

static PyObject *ta_da_dlpack(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"stream", "max_version", "dl_device", "copy", NULL};
    PyObject *stream = Py_None, *max_version = Py_None, *dl_device = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOOO:__dlpack__", kwlist, &stream, &max_version, &dl_device,
                                     &copy))
        return NULL;
    ta_device_array *a = (ta_device_array *)self;
    unsigned long long handle;
    int versioned, want_copy = copy == Py_None ? 0 : PyObject_IsTrue(copy);
    if (want_copy < 0 || ta_parse_stream(stream, &handle) < 0 || ta_parse_max_version(max_version, &versioned) < 0 ||
        ta_check_export_device(a, dl_device) < 0)
        return NULL;
    ta_device_array *exported = a;
    if (!want_copy)
        Py_INCREF(exported);
    else if (!(exported = ta_device_array_copy(a)))
        return NULL;
    exported->exported = 1; /* the consumer may use it on its own streams until it lets go */
    PyObject *capsule = NULL;
    if (handle == 0 || ta_cuda_order_streams(a->device_id, 1, (uintptr_t)handle) == 0)
        capsule = ta_export_capsule(exported, versioned, want_copy);
    Py_DECREF(exported);
    return capsule;
}

static PyObject *ta_da_dlpack_device(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(ii)", TA_DL_CUDA, ((ta_device_array *)self)->device_id);
}

static PyGetSetDef ta_da_getset[] = {
    {"shape", ta_da_shape, NULL, "tuple of ints", NULL},
    {"strides", ta_da_strides, NULL, "C-contiguous strides, in elements", NULL},
    {"dtype", ta_da_dtype, NULL, "element type name: float32, float16, bfloat16, int8, uint8, int32, int64", NULL},
    {"device", ta_da_device, NULL, "CUDA device id", NULL},
    {"ptr", ta_da_ptr, NULL, "device address of the first element (0 when empty)", NULL},
    {"nbytes", ta_da_nbytes, NULL, "size in bytes", NULL},
    {"ndim", ta_da_ndim, NULL, "number of dimensions", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef ta_da_methods[] = {
    {"__dlpack__", (PyCFunction)(void (*)(void))ta_da_dlpack, METH_VARARGS | METH_KEYWORDS,
     "__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None) -> PyCapsule\n\n"
     "A 'dltensor_versioned' capsule when max_version >= (1, 0), else a legacy 'dltensor' one. A stream handle\n"
     "is made to wait (by an event) for work queued on the legacy default stream, where turboattn runs."},
    {"__dlpack_device__", ta_da_dlpack_device, METH_NOARGS, "__dlpack_device__() -> (2, device_id)"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject ta_device_array_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "turboattn._C.DeviceArray",
    .tp_doc = "C-contiguous CUDA memory owned by turboattn, exported through __dlpack__.\n\n"
              "Made by device_empty() / device_from_numpy(); read back with device_to_numpy().",
    .tp_basicsize = sizeof(ta_device_array),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = ta_device_array_dealloc,
    .tp_repr = ta_da_repr,
    .tp_getset = ta_da_getset,
    .tp_methods = ta_da_methods,
};

int ta_device_array_ready(void) { return PyType_Ready(&ta_device_array_type); }

/* ---- C accessors (buffers.h) --------------------------------------------------------------------------- */

int ta_device_array_view(PyObject *obj, const char *name, ta_view4 *view)
{
    ta_device_array *a = (ta_device_array *)obj;
    if (a->ndim != 4) {
        PyErr_Format(PyExc_ValueError, "%s must be 4-D [B, H, N, D] (got %d dimensions)", name, a->ndim);
        return -1;
    }
    if (strcmp(a->elem->name, "float32") == 0) view->dtype = TA_F32;
    else if (strcmp(a->elem->name, "float16") == 0) view->dtype = TA_F16;
    else if (strcmp(a->elem->name, "bfloat16") == 0) view->dtype = TA_BF16;
    else {
        PyErr_Format(PyExc_TypeError, "%s must be float16, bfloat16 or float32 (got %s)", name, a->elem->name);
        return -1;
    }
    ta_contiguous_strides(4, a->shape, view->stride);
    for (int i = 0; i < 4; i++) view->shape[i] = a->shape[i];
    view->data = a->data;
    view->device = TA_CUDA;
    view->device_id = a->device_id;
    return ta_check_view(view, name);
}

int ta_device_buffer_from_object(PyObject *obj, const char *name, const char *dtype, int ndim, ta_device_buffer *out)
{
    if (!ta_is_device_array(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a turboattn DeviceArray (got %s)", name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    ta_device_array *a = (ta_device_array *)obj;
    if ((dtype && strcmp(dtype, a->elem->name) != 0) || (ndim >= 0 && a->ndim != ndim)) {
        PyErr_Format(PyExc_TypeError, "%s must be a %d-D %s DeviceArray (got %d-D %s)", name, ndim,
                     dtype ? dtype : "", a->ndim, a->elem->name);
        return -1;
    }
    out->data = a->data;
    out->device_id = a->device_id;
    out->ndim = a->ndim;
    out->shape = a->shape;
    out->dtype = a->elem->name;
    out->nbytes = a->nbytes;
    return 0;
}

static const ta_elem_type *ta_device_elem(const char *dtype)
{
    const ta_elem_type *elem = ta_elem_by_name(dtype);
    if (elem && elem->device_array) return elem;
    PyObject *names = ta_elem_names(1);
    if (names) PyErr_Format(PyExc_TypeError, "dtype must be one of %U (got '%s')", names, dtype);
    Py_XDECREF(names);
    return NULL;
}

PyObject *ta_device_array_new(int ndim, const int64_t *shape, const char *dtype, int device_id)
{
    const ta_elem_type *elem = ta_device_elem(dtype);
    return elem ? (PyObject *)ta_device_array_alloc(ndim, shape, elem, device_id) : NULL;
}

/* ---- module functions --------------------------------------------------------------------------------- */

/* shape as an int or a sequence of ints. */
static int ta_parse_shape(PyObject *obj, int *ndim, int64_t *shape)
{
    if (PyLong_Check(obj)) {
        *ndim = 1;
        shape[0] = PyLong_AsLongLong(obj);
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *seq = PySequence_Fast(obj, "shape must be an int or a sequence of ints");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int rc = 0;
    if (n > TA_DA_MAX_NDIM) {
        PyErr_Format(PyExc_ValueError, "shape must have at most %d dimensions (got %zd)", TA_DA_MAX_NDIM, n);
        rc = -1;
    }
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        shape[i] = PyLong_Check(item) ? PyLong_AsLongLong(item) : -1;
        if (!PyLong_Check(item) || PyErr_Occurred()) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "shape must be a sequence of ints (got %s at position %zd)",
                         Py_TYPE(item)->tp_name, i);
            rc = -1;
        }
    }
    *ndim = (int)n;
    Py_DECREF(seq);
    return rc;
}

PyObject *ta_py_device_empty(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"shape", "dtype", "device_id", NULL};
    PyObject *shape_obj;
    const char *dtype = "float32";
    int device_id = 0, ndim;
    int64_t shape[TA_DA_MAX_NDIM];
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|si:device_empty", kwlist, &shape_obj, &dtype, &device_id))
        return NULL;
    if (ta_parse_shape(shape_obj, &ndim, shape) < 0) return NULL;
    return ta_device_array_new(ndim, shape, dtype, device_id);
}

PyObject *ta_py_device_from_numpy(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"array", "device_id", NULL};
    PyObject *obj, *host = NULL;
    ta_device_array *dev = NULL;
    int device_id = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|i:device_from_numpy", kwlist, &obj, &device_id)) return NULL;
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "array must be a NumPy array (got %s)", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    const ta_elem_type *elem = ta_elem_by_numpy((PyObject *)PyArray_DESCR((PyArrayObject *)obj));
    if (!elem || !elem->device_array) {
        PyObject *names = ta_elem_names(1);
        if (names)
            PyErr_Format(PyExc_TypeError, "array must have a native-byte-order dtype among %U (got %R)", names,
                         (PyObject *)PyArray_DESCR((PyArrayObject *)obj));
        Py_XDECREF(names);
        return NULL;
    }
    if (PyArray_NDIM((PyArrayObject *)obj) > TA_DA_MAX_NDIM) {
        PyErr_Format(PyExc_ValueError, "array must have at most %d dimensions (got %d)", TA_DA_MAX_NDIM,
                     PyArray_NDIM((PyArrayObject *)obj));
        return NULL;
    }
    host = PyArray_FromAny(obj, NULL, 0, 0, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED, NULL);
    if (!host) return NULL;
    int64_t shape[TA_DA_MAX_NDIM];
    int ndim = PyArray_NDIM((PyArrayObject *)host);
    for (int i = 0; i < ndim; i++) shape[i] = PyArray_DIM((PyArrayObject *)host, i);
    dev = ta_device_array_alloc(ndim, shape, elem, device_id);
    if (!dev) goto fail;
#ifdef TA_WITH_CUDA
    if (ta_cuda_copy(dev->data, PyArray_DATA((PyArrayObject *)host), dev->nbytes, device_id, cudaMemcpyHostToDevice,
                     "cudaMemcpy (host to device)") < 0)
        Py_CLEAR(dev);
#endif
fail:
    Py_DECREF(host);
    return (PyObject *)dev;
}

PyObject *ta_py_device_to_numpy(PyObject *self, PyObject *arg)
{
    if (!ta_is_device_array(arg)) {
        PyErr_Format(PyExc_TypeError, "device_array must be a turboattn DeviceArray (got %s)", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    ta_device_array *a = (ta_device_array *)arg;
    PyObject *descr = ta_elem_numpy_descr(a->elem);
    if (!descr) return NULL;
    npy_intp dims[TA_DA_MAX_NDIM];
    for (int i = 0; i < a->ndim; i++) dims[i] = (npy_intp)a->shape[i];
    PyObject *host = PyArray_Empty(a->ndim, dims, (PyArray_Descr *)descr, 0); /* steals descr */
    if (host && ta_cuda_copy_to_host(PyArray_DATA((PyArrayObject *)host), a->data, a->nbytes, a->device_id) < 0)
        Py_CLEAR(host);
    return host;
}

PyObject *ta_py_cuda_device_count(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(ta_cuda_device_count());
}

PyObject *ta_py_device_live_bytes(PyObject *self, PyObject *unused) { return PyLong_FromSize_t(ta_live_bytes); }
