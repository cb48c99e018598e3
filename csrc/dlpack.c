/* DLPack import: turns any object with __dlpack__ (PyTorch, CuPy, JAX, NumPy, DeviceArray) into a view
 * without copying, and owns the producer's managed tensor until the view is released.
 *
 * Ownership, the one rule everything here serves: once the capsule's pointer is taken the capsule is
 * renamed "used_..." (so its destructor no longer calls the deleter) and the managed tensor belongs to
 * a ta_dl_owner object whose dealloc calls the producer's deleter exactly once. Every error after that
 * point just drops the owner. */
#include "buffers.h"
#include "bindings.h"
#include "device_array.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <string.h>

/* ---- element types ---------------------------------------------------------------------------- */

static const ta_elem_type ta_elem_types[] = {
    {"float32", {TA_DL_FLOAT, 32, 1}, 4, NPY_FLOAT32, 1},
    {"float16", {TA_DL_FLOAT, 16, 1}, 2, NPY_FLOAT16, 1},
    {"bfloat16", {TA_DL_BFLOAT, 16, 1}, 2, -1, 1},
    {"int8", {TA_DL_INT, 8, 1}, 1, NPY_INT8, 1},
    {"uint8", {TA_DL_UINT, 8, 1}, 1, NPY_UINT8, 1},
    {"int32", {TA_DL_INT, 32, 1}, 4, NPY_INT32, 1},
    {"int64", {TA_DL_INT, 64, 1}, 8, NPY_INT64, 1},
    /* readable from any producer (to_numpy), but not kept in a DeviceArray */
    {"float64", {TA_DL_FLOAT, 64, 1}, 8, NPY_FLOAT64, 0},
    {"int16", {TA_DL_INT, 16, 1}, 2, NPY_INT16, 0},
    {"uint16", {TA_DL_UINT, 16, 1}, 2, NPY_UINT16, 0},
    {"uint32", {TA_DL_UINT, 32, 1}, 4, NPY_UINT32, 0},
    {"uint64", {TA_DL_UINT, 64, 1}, 8, NPY_UINT64, 0},
    {"bool", {TA_DL_BOOL, 8, 1}, 1, NPY_BOOL, 0},
    {"complex64", {TA_DL_COMPLEX, 64, 1}, 8, NPY_COMPLEX64, 0},
    {"complex128", {TA_DL_COMPLEX, 128, 1}, 16, NPY_COMPLEX128, 0},
};
#define TA_N_ELEM_TYPES ((int)(sizeof ta_elem_types / sizeof ta_elem_types[0]))

const ta_elem_type *ta_elem_by_name(const char *name)
{
    for (int i = 0; i < TA_N_ELEM_TYPES; i++)
        if (strcmp(ta_elem_types[i].name, name) == 0) return &ta_elem_types[i];
    return NULL;
}

const ta_elem_type *ta_elem_by_dl(ta_dl_dtype dt)
{
    for (int i = 0; i < TA_N_ELEM_TYPES; i++) {
        const ta_dl_dtype *e = &ta_elem_types[i].dl;
        if (e->code == dt.code && e->bits == dt.bits && e->lanes == dt.lanes) return &ta_elem_types[i];
    }
    return NULL;
}

static int ta_is_bfloat16_descr(PyArray_Descr *d)
{
    return d->type_num >= NPY_USERDEF && PyDataType_ELSIZE(d) == 2 && ta_is_bfloat16_type(d->typeobj);
}

const ta_elem_type *ta_elem_by_numpy(PyObject *descr)
{
    PyArray_Descr *d = (PyArray_Descr *)descr;
    if (!PyArray_ISNBO(d->byteorder)) return NULL;
    if (ta_is_bfloat16_descr(d)) return ta_elem_by_name("bfloat16");
    for (int i = 0; i < TA_N_ELEM_TYPES; i++)
        if (ta_elem_types[i].npy_typenum >= 0 && PyArray_EquivTypenums(ta_elem_types[i].npy_typenum, d->type_num))
            return &ta_elem_types[i];
    return NULL;
}

PyObject *ta_elem_numpy_descr(const ta_elem_type *elem)
{
    if (elem->npy_typenum >= 0) return (PyObject *)PyArray_DescrFromType(elem->npy_typenum);
    PyObject *mod = PyImport_ImportModule("ml_dtypes");
    if (!mod) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ImportError, "bfloat16 arrays need the ml_dtypes package (pip install ml_dtypes)");
        return NULL;
    }
    PyArray_Descr *descr = NULL;
    PyObject *scalar_type = PyObject_GetAttrString(mod, "bfloat16");
    Py_DECREF(mod);
    if (!scalar_type) return NULL;
    int ok = PyArray_DescrConverter(scalar_type, &descr);
    Py_DECREF(scalar_type);
    return ok ? (PyObject *)descr : NULL;
}

PyObject *ta_numpy_descr_of(ta_dtype dt) { return ta_elem_numpy_descr(ta_elem_by_name(ta_dtype_name(dt))); }

PyObject *ta_elem_names(int device_array_only)
{
    PyObject *names = PyList_New(0), *sep = NULL, *joined = NULL;
    if (!names) return NULL;
    for (int i = 0; i < TA_N_ELEM_TYPES; i++) {
        if (device_array_only && !ta_elem_types[i].device_array) continue;
        PyObject *s = PyUnicode_FromString(ta_elem_types[i].name);
        if (!s || PyList_Append(names, s) < 0) {
            Py_XDECREF(s);
            goto fail;
        }
        Py_DECREF(s);
    }
    sep = PyUnicode_FromString(", ");
    if (sep) joined = PyUnicode_Join(sep, names);
fail:
    Py_XDECREF(sep);
    Py_DECREF(names);
    return joined;
}

/* "float64", "int8", "float16x4" or "code 9 bits 8" for messages about what a producer handed us. */
static void ta_dl_dtype_text(ta_dl_dtype dt, char *buf, size_t size)
{
    static const char *codes[] = {"int", "uint", "float", "opaque", "bfloat", "complex", "bool"};
    if (dt.code < sizeof codes / sizeof codes[0])
        snprintf(buf, size, "%s%u", codes[dt.code], (unsigned)dt.bits);
    else
        snprintf(buf, size, "code %u bits %u", (unsigned)dt.code, (unsigned)dt.bits);
    if (dt.lanes != 1) snprintf(buf + strlen(buf), size - strlen(buf), "x%u", (unsigned)dt.lanes);
}

/* ---- the owner of an imported managed tensor ------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    void *managed; /* ta_dl_managed_v* when versioned, else ta_dl_managed*; NULL once released */
    int versioned;
} ta_dl_owner;

static void ta_dl_owner_dealloc(PyObject *self)
{
    ta_dl_owner *owner = (ta_dl_owner *)self;
    void *managed = owner->managed;
    owner->managed = NULL;
    if (managed) {
        /* The deleter is the producer's code and may call back into Python: it must not see the
         * exception an error path is about to raise. */
        ta_saved_error pending = ta_save_error();
        if (owner->versioned) {
            ta_dl_managed_v *m = managed;
            if (m->deleter) m->deleter(m);
        } else {
            ta_dl_managed *m = managed;
            if (m->deleter) m->deleter(m);
        }
        ta_restore_error(pending);
    }
    Py_TYPE(self)->tp_free(self);
}

static PyTypeObject ta_dl_owner_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "turboattn._C._DLPackOwner",
    .tp_doc = "Holds a DLPack managed tensor taken from a producer; releasing it calls the producer's deleter.",
    .tp_basicsize = sizeof(ta_dl_owner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = ta_dl_owner_dealloc,
};

static const ta_dl_tensor *ta_dl_owner_tensor(PyObject *owner_obj)
{
    ta_dl_owner *owner = (ta_dl_owner *)owner_obj;
    return owner->versioned ? &((ta_dl_managed_v *)owner->managed)->dl_tensor
                            : &((ta_dl_managed *)owner->managed)->dl_tensor;
}

int ta_dlpack_keepalive_readonly(PyObject *keepalive)
{
    if (!keepalive || Py_TYPE(keepalive) != &ta_dl_owner_type) return 0;
    ta_dl_owner *owner = (ta_dl_owner *)keepalive;
    return owner->versioned && (((ta_dl_managed_v *)owner->managed)->flags & TA_DL_FLAG_READ_ONLY) != 0;
}

/* ---- taking a tensor from a producer -------------------------------------------------------------- */

/* A device type and id we can read: CPU, or a visible CUDA device; ValueError naming `name` otherwise. */
static int ta_check_device(const char *name, long type, long id)
{
    if (type == TA_DL_CPU) return 0;
    if (type != TA_DL_CUDA) {
        PyErr_Format(PyExc_ValueError, "%s is on DLPack device (%ld, %ld); turboattn reads CPU (1) and CUDA (2) "
                     "memory only", name, type, id);
        return -1;
    }
#ifndef TA_WITH_CUDA
    PyErr_Format(PyExc_ValueError, "%s is on CUDA device %ld, but turboattn was built without CUDA", name, id);
    return -1;
#else
    int count = ta_cuda_device_count();
    if (id < 0 || id >= count) {
        PyErr_Format(PyExc_ValueError, "%s is on CUDA device %ld, but %d CUDA device%s visible", name, id, count,
                     count == 1 ? " is" : "s are");
        return -1;
    }
    return 0;
#endif
}

/* (device_type, device_id) from obj.__dlpack_device__(); device types we cannot read are refused here,
 * before the producer is asked to export anything. */
static int ta_ask_device(PyObject *obj, const char *name, int *device_type, int *device_id)
{
    PyObject *dev = PyObject_CallMethod(obj, "__dlpack_device__", NULL);
    if (!dev) return -1;
    int ok = PyTuple_Check(dev) && PyTuple_GET_SIZE(dev) == 2;
    long type = ok ? PyLong_AsLong(PyTuple_GET_ITEM(dev, 0)) : -1;
    long id = ok ? PyLong_AsLong(PyTuple_GET_ITEM(dev, 1)) : -1;
    Py_DECREF(dev);
    if (!ok || PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s.__dlpack_device__() must return a (device_type, device_id) tuple of ints",
                     name);
        return -1;
    }
    *device_type = (int)type;
    *device_id = (int)id;
    return ta_check_device(name, type, id);
}

/* ---- one stream synchronisation per producer and call ----------------------------------------------
 * PyTorch and CuPy serve __dlpack__(stream=1) by making the legacy stream wait for their *current* stream,
 * whatever the tensor: after one such import in a call, every later tensor of the same library on the same
 * device is already ordered, and stream=-1 (no synchronisation) gives the same guarantee. That call costs
 * PyTorch about 11 microseconds of Python per tensor (two stream objects), a large share of one decode
 * step (NOTES-decode, session 4). A binding that imports several arrays opens a scope around them; outside
 * a scope every import synchronises. Thread-local: producers run Python code, and another thread may import
 * in between. */
static _Thread_local struct {
    int active, device_id;
    int family; /* 0: none synchronised yet, 1: torch, 2: cupy */
    /* the same for imports through an exchange table (below): which table, device and stream are ordered */
    const void *api;
    int api_device;
    uintptr_t api_stream;
} ta_sync_scope;

void ta_dlpack_scope_begin(void) { ta_sync_scope.active = 1, ta_sync_scope.family = 0, ta_sync_scope.api = NULL; }
void ta_dlpack_scope_end(void) { ta_sync_scope.active = 0, ta_sync_scope.family = 0, ta_sync_scope.api = NULL; }

/* 1 for PyTorch tensors, 2 for CuPy arrays (by their type's module), else 0: producers whose stream
 * handling is known to be per current stream. */
static int ta_producer_family(PyObject *obj)
{
    PyObject *module = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__module__");
    int family = 0;
    if (module && PyUnicode_Check(module)) {
        const char *m = PyUnicode_AsUTF8(module);
        if (m && strncmp(m, "torch", 5) == 0 && (m[5] == '\0' || m[5] == '.')) family = 1;
        else if (m && strncmp(m, "cupy", 4) == 0 && (m[4] == '\0' || m[4] == '.')) family = 2;
    }
    Py_XDECREF(module);
    PyErr_Clear();
    return family;
}

/* Whether PyTorch's current stream on device_id is the legacy default stream (handle 0): then PyTorch's
 * pending work is already ahead of ours on that stream, and stream=-1 spares PyTorch's 11 microseconds of
 * stream objects. Asked through torch._C._cuda_getCurrentRawStream when torch is already imported (never
 * imports it); any failure answers no, and the import synchronises as usual. */
static int ta_torch_stream_is_legacy(int device_id)
{
    static PyObject *name; /* interned once, kept */
    if (!name && !(name = PyUnicode_InternFromString("torch._C"))) {
        PyErr_Clear();
        return 0;
    }
    PyObject *mod = PyImport_GetModule(name);
    PyObject *r = mod ? PyObject_CallMethod(mod, "_cuda_getCurrentRawStream", "i", device_id) : NULL;
    Py_XDECREF(mod);
    int legacy = r && PyLong_Check(r) && PyLong_AsLongLong(r) == 0;
    Py_XDECREF(r);
    PyErr_Clear();
    return legacy;
}

/* CuPy's current stream (of the current device), asked through cupy.cuda.get_current_stream() when cupy is already
 * imported (never imports it); 0 when unknown. CuPy has no exchange table, and its __dlpack__ would fail inside a
 * capture when it orders its stream before ours, so the capture check asks here first (ta_refuse_producer_capture). */
static uintptr_t ta_cupy_current_stream(void)
{
    static PyObject *name; /* interned once, kept */
    if (!name && !(name = PyUnicode_InternFromString("cupy.cuda"))) {
        PyErr_Clear();
        return 0;
    }
    PyObject *mod = PyImport_GetModule(name);
    PyObject *stream = mod ? PyObject_CallMethod(mod, "get_current_stream", NULL) : NULL;
    PyObject *ptr = stream ? PyObject_GetAttrString(stream, "ptr") : NULL;
    uintptr_t handle = ptr && PyLong_Check(ptr) ? (uintptr_t)PyLong_AsUnsignedLongLong(ptr) : 0;
    Py_XDECREF(ptr);
    Py_XDECREF(stream);
    Py_XDECREF(mod);
    PyErr_Clear();
    return handle;
}

/* Calls obj.__dlpack__ asking for a versioned capsule; producers older than DLPack 1.0 reject the
 * max_version keyword with TypeError, and then get the call they know.
 * CUDA: stream=1 asks the producer to order its pending work before the legacy default stream, where
 * turboattn launches its kernels (docs/DESIGN.md, "Streams"); stream=-1 within a scope where the same
 * producer has already done so on this device, or for PyTorch when its current stream is the legacy
 * stream itself (above). CPU: only None is allowed. */
static PyObject *ta_ask_capsule(PyObject *obj, int device_type, int device_id)
{
    PyObject *kwargs = NULL, *capsule = NULL, *method = NULL;
    long stream_code = 1;
    if (device_type == TA_DL_CUDA) {
        int family = ta_producer_family(obj);
        int scoped = ta_sync_scope.active && family;
        if (scoped && family == ta_sync_scope.family && device_id == ta_sync_scope.device_id) stream_code = -1;
        else if (family == 1 && ta_torch_stream_is_legacy(device_id)) stream_code = -1; /* already in order */
        if (scoped && !ta_sync_scope.family) ta_sync_scope.family = family, ta_sync_scope.device_id = device_id;
    }
    PyObject *stream = device_type == TA_DL_CUDA ? PyLong_FromLong(stream_code) : (Py_INCREF(Py_None), Py_None);
    PyObject *version = Py_BuildValue("(ii)", TA_DL_MAJOR, 0);
    if (!stream || !version) goto fail;
    method = PyObject_GetAttrString(obj, "__dlpack__");
    kwargs = method ? Py_BuildValue("{sOsO}", "stream", stream, "max_version", version) : NULL;
    if (!kwargs) goto fail;
    PyObject *empty = PyTuple_New(0);
    if (!empty) goto fail;
    capsule = PyObject_Call(method, empty, kwargs);
    if (!capsule && PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        if (PyDict_DelItemString(kwargs, "max_version") == 0) capsule = PyObject_Call(method, empty, kwargs);
    }
    Py_DECREF(empty);
fail:
    Py_XDECREF(kwargs);
    Py_XDECREF(method);
    Py_XDECREF(version);
    Py_XDECREF(stream);
    return capsule;
}

/* Moves the managed tensor out of `capsule` into a new owner. A capsule we cannot take stays the
 * producer's (its destructor frees it); once taken, dropping the owner is the only cleanup. */
static PyObject *ta_take_capsule(PyObject *capsule, const char *name)
{
    if (!PyCapsule_CheckExact(capsule)) {
        PyErr_Format(PyExc_TypeError, "%s.__dlpack__() must return a PyCapsule (got %s)", name,
                     Py_TYPE(capsule)->tp_name);
        return NULL;
    }
    const char *cap_name = PyCapsule_GetName(capsule);
    if (!cap_name && PyErr_Occurred()) return NULL;
    int versioned;
    if (cap_name && strcmp(cap_name, TA_DL_CAPSULE_V) == 0)
        versioned = 1;
    else if (cap_name && strcmp(cap_name, TA_DL_CAPSULE) == 0)
        versioned = 0;
    else {
        PyErr_Format(PyExc_TypeError, "%s.__dlpack__() returned a capsule named '%s' (expected '%s' or '%s'; "
                     "a 'used_' capsule was already consumed)", name, cap_name ? cap_name : "", TA_DL_CAPSULE_V,
                     TA_DL_CAPSULE);
        return NULL;
    }
    ta_dl_owner *owner = PyObject_New(ta_dl_owner, &ta_dl_owner_type);
    if (!owner) return NULL;
    owner->managed = NULL;
    owner->versioned = versioned;
    void *managed = PyCapsule_GetPointer(capsule, cap_name);
    if (!managed || PyCapsule_SetName(capsule, versioned ? TA_DL_CAPSULE_V_USED : TA_DL_CAPSULE_USED) < 0) {
        Py_DECREF(owner);
        return NULL;
    }
    owner->managed = managed;
    if (versioned && ((ta_dl_managed_v *)managed)->version.major != TA_DL_MAJOR) {
        /* Only the fields up to flags are stable across majors; the deleter is among them. */
        PyErr_Format(PyExc_ValueError, "%s is a DLPack %u.%u tensor; turboattn reads DLPack 1.x", name,
                     ((ta_dl_managed_v *)managed)->version.major, ((ta_dl_managed_v *)managed)->version.minor);
        Py_DECREF(owner);
        return NULL;
    }
    return (PyObject *)owner;
}

/* ---- the C exchange table (DLPack 1.2) --------------------------------------------------------------
 * A producer may put a table of C functions on its tensor type, `__dlpack_c_exchange_api__` (PyTorch does
 * from 2.10): an owning export without running Python, and the producer's current stream on a device. Through
 * it an import skips __dlpack_device__, __dlpack__ and the capsule, which cost PyTorch about 6 microseconds
 * per tensor, two per decode call (NOTES-decode, session 10). Stream order is ours to keep then: when the
 * producer's current stream is not the legacy stream (or a blocking default stream, which the legacy stream
 * waits for by itself), the legacy stream waits on an event recorded on it, once per scope, table, device and
 * stream. Tables are looked up once per type and kept, with a reference to the type; a type without a usable
 * table (none, or no major-1 table of minor >= 2 along its chain) keeps the __dlpack__ path.
 * TURBOATTN_DLPACK_C_API=0 turns this path off (for A/B timings). */
#define TA_API_TYPES 8
static struct {
    PyTypeObject *type;
    const ta_dl_exchange_api *api; /* NULL: the type has no usable table */
} ta_api_types[TA_API_TYPES];
static int ta_api_n; /* guarded by the GIL */

static const ta_dl_exchange_api *ta_api_of_type(PyTypeObject *type)
{
    PyObject *cap = PyObject_GetAttrString((PyObject *)type, "__dlpack_c_exchange_api__");
    const ta_dl_exchange_header *h = NULL;
    if (cap && PyCapsule_IsValid(cap, TA_DL_EXCHANGE_CAPSULE)) h = PyCapsule_GetPointer(cap, TA_DL_EXCHANGE_CAPSULE);
    Py_XDECREF(cap); /* the table itself lives as long as the process (the spec's rule for producers) */
    PyErr_Clear();
    for (; h; h = h->prev_api)
        if (h->version.major == TA_DL_MAJOR && h->version.minor >= TA_DL_EXCHANGE_MINOR) {
            const ta_dl_exchange_api *api = (const ta_dl_exchange_api *)h;
            return api->managed_tensor_from_py_object_no_sync && api->current_work_stream ? api : NULL;
        }
    return NULL;
}

static const ta_dl_exchange_api *ta_exchange_api(PyObject *obj)
{
    static int enabled = -1;
    if (enabled < 0) {
        const char *env = getenv("TURBOATTN_DLPACK_C_API");
        enabled = !(env && strcmp(env, "0") == 0);
    }
    if (!enabled) return NULL;
    PyTypeObject *type = Py_TYPE(obj);
    for (int i = 0; i < ta_api_n; i++)
        if (ta_api_types[i].type == type) return ta_api_types[i].api;
    const ta_dl_exchange_api *api = ta_api_of_type(type);
    if (ta_api_n < TA_API_TYPES) {
        Py_INCREF(type);
        ta_api_types[ta_api_n].type = type, ta_api_types[ta_api_n].api = api;
        ta_api_n++;
    }
    return api;
}

/* Orders the producer's current stream on device_id before the legacy stream (see above), once the stream is
 * known not to be capturing a CUDA graph (device_array.c, ta_cuda_refuse_capture). */
static int ta_exchange_order(const ta_dl_exchange_api *api, const char *name, int device_id)
{
    void *stream = NULL;
    if (api->current_work_stream(TA_DL_CUDA, device_id, &stream) != 0) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_RuntimeError, "%s: the producer could not name its stream", name);
        return -1;
    }
    uintptr_t s = (uintptr_t)stream;
    if (ta_sync_scope.active && ta_sync_scope.api == api && ta_sync_scope.api_device == device_id &&
        ta_sync_scope.api_stream == s)
        return 0;
    if (ta_cuda_refuse_capture(device_id, s, name) < 0) return -1;
    /* NULL or the legacy stream: in order already; 2, the per-thread default stream: blocking */
    if (s > 2 && ta_cuda_order_streams(device_id, s, 1) < 0) return -1;
    if (ta_sync_scope.active) ta_sync_scope.api = api, ta_sync_scope.api_device = device_id, ta_sync_scope.api_stream = s;
    return 0;
}

/* PyTorch's __dlpack__ refuses a tensor that requires grad; its table does not ask. Such tensors are refused here
 * too, so both paths agree and an output that autograd tracks is never written behind its back. */
static int ta_refuse_grad(PyObject *obj, const char *name)
{
    PyObject *flag = PyObject_GetAttrString(obj, "requires_grad");
    int yes = flag ? PyObject_IsTrue(flag) : 0;
    Py_XDECREF(flag);
    PyErr_Clear();
    if (yes <= 0) return 0;
    PyErr_Format(PyExc_BufferError, "%s requires grad, and DLPack does not export such tensors (pass %s.detach())",
                 name, name);
    return -1;
}

/* The import through a table: export, own, check the device, order the streams. */
static PyObject *ta_exchange_take(PyObject *obj, const ta_dl_exchange_api *api, const char *name)
{
    ta_dl_managed_v *managed = NULL;
    if (ta_refuse_grad(obj, name) < 0) return NULL;
    if (api->managed_tensor_from_py_object_no_sync(obj, &managed) != 0 || !managed) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_BufferError, "%s: the producer's DLPack export failed", name);
        return NULL;
    }
    ta_dl_owner *owner = PyObject_New(ta_dl_owner, &ta_dl_owner_type);
    if (!owner) {
        ta_saved_error pending = ta_save_error();
        if (managed->deleter) managed->deleter(managed);
        ta_restore_error(pending);
        return NULL;
    }
    owner->managed = managed, owner->versioned = 1; /* from here on, dropping the owner is the only cleanup */
    const ta_dl_tensor *t = &managed->dl_tensor;
    if (managed->version.major != TA_DL_MAJOR) {
        PyErr_Format(PyExc_ValueError, "%s is a DLPack %u.%u tensor; turboattn reads DLPack 1.x", name,
                     managed->version.major, managed->version.minor);
    } else if (ta_check_device(name, t->device.device_type, t->device.device_id) == 0 &&
               (t->device.device_type != TA_DL_CUDA || ta_exchange_order(api, name, t->device.device_id) == 0)) {
        return (PyObject *)owner;
    }
    Py_DECREF(owner);
    return NULL;
}

/* The owner's tensor, if it is well-formed; else ValueError and the owner dropped. */
static PyObject *ta_checked_tensor(PyObject *owner, const char *name, const ta_dl_tensor **tensor)
{
    const ta_dl_tensor *t = ta_dl_owner_tensor(owner);
    if (t->ndim < 0 || (t->ndim > 0 && !t->shape)) {
        PyErr_Format(PyExc_ValueError, "%s: the producer gave a malformed DLPack tensor (ndim %d, shape %p)", name,
                     t->ndim, (void *)t->shape);
        Py_DECREF(owner);
        return NULL;
    }
    *tensor = t;
    return owner;
}

/* The whole import: device check, export, take, and a check that the tensor is where the producer said. */
static PyObject *ta_dlpack_take(PyObject *obj, const char *name, const ta_dl_tensor **tensor)
{
    PyObject *owner;
    const ta_dl_exchange_api *api = ta_exchange_api(obj);
    if (api) {
        if (!(owner = ta_exchange_take(obj, api, name))) return NULL;
        return ta_checked_tensor(owner, name, tensor);
    }
    int device_type, device_id;
    if (ta_ask_device(obj, name, &device_type, &device_id) < 0) return NULL;
    if (device_type == TA_DL_CUDA && ta_producer_family(obj) == 2 &&
        ta_cuda_refuse_capture(device_id, ta_cupy_current_stream(), name) < 0)
        return NULL; /* before CuPy's __dlpack__, which would fail inside a capture (and invalidate it) */
    PyObject *capsule = ta_ask_capsule(obj, device_type, device_id);
    if (!capsule) {
        if (ta_sync_scope.active) ta_sync_scope.family = 0; /* the failed export may not have synchronised */
        return NULL;
    }
    owner = ta_take_capsule(capsule, name);
    ta_saved_error pending = ta_save_error(); /* an untaken capsule's destructor is producer code too */
    Py_DECREF(capsule);
    ta_restore_error(pending);
    if (!owner) return NULL;
    const ta_dl_tensor *t = ta_dl_owner_tensor(owner);
    if (t->device.device_type != device_type || t->device.device_id != device_id) {
        PyErr_Format(PyExc_ValueError, "%s: __dlpack__ gave a tensor on device (%d, %d) but __dlpack_device__ "
                     "said (%d, %d)", name, t->device.device_type, t->device.device_id, device_type, device_id);
        Py_DECREF(owner);
        return NULL;
    }
    return ta_checked_tensor(owner, name, tensor);
}

static int ta_float_dtype(ta_dl_dtype dt, ta_dtype *out)
{
    if (dt.lanes != 1) return -1;
    if (dt.code == TA_DL_FLOAT && dt.bits == 32) *out = TA_F32;
    else if (dt.code == TA_DL_FLOAT && dt.bits == 16) *out = TA_F16;
    else if (dt.code == TA_DL_BFLOAT && dt.bits == 16) *out = TA_BF16;
    else return -1;
    return 0;
}

/* Checks a taken tensor is a 4-D float view we can read and fills `view`. */
static int ta_fill_view(const ta_dl_tensor *t, const char *name, ta_view4 *view)
{
    if (t->ndim != 4) {
        PyErr_Format(PyExc_ValueError, "%s must be 4-D [B, H, N, D] (got %d dimensions)", name, t->ndim);
        return -1;
    }
    if (ta_float_dtype(t->dtype, &view->dtype) < 0) {
        char text[48];
        ta_dl_dtype_text(t->dtype, text, sizeof text);
        PyErr_Format(PyExc_TypeError, "%s must be float16, bfloat16 or float32 (got %s)", name, text);
        return -1;
    }
    int64_t contiguous = 1;
    for (int i = 3; i >= 0; i--) {
        view->shape[i] = t->shape[i];
        view->stride[i] = t->strides ? t->strides[i] : contiguous;
        contiguous *= t->shape[i] > 0 ? t->shape[i] : 1;
    }
    int has_data = t->data != NULL || t->byte_offset != 0;
    view->data = has_data ? (char *)t->data + t->byte_offset : NULL;
    view->device = t->device.device_type == TA_DL_CUDA ? TA_CUDA : TA_CPU;
    view->device_id = t->device.device_id;
    if (ta_check_view(view, name) < 0) return -1;
    if (!view->data) {
        PyErr_Format(PyExc_ValueError, "%s: __dlpack__ gave a NULL data pointer for a non-empty tensor", name);
        return -1;
    }
    return 0;
}

int ta_view_from_dlpack(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive)
{
    *keepalive = NULL;
    const ta_dl_tensor *tensor;
    PyObject *owner = ta_dlpack_take(obj, name, &tensor);
    if (!owner) return -1;
    if (ta_fill_view(tensor, name, view) < 0) {
        Py_DECREF(owner);
        return -1;
    }
    *keepalive = owner;
    return 0;
}

/* ---- copies to NumPy ------------------------------------------------------------------------------ */

/* The byte range [lo, hi) relative to the first element that a strided tensor touches. */
static void ta_byte_span(int ndim, const int64_t *shape, const int64_t *strides, int itemsize, int64_t *lo,
                         int64_t *hi)
{
    *lo = 0;
    *hi = itemsize;
    for (int i = 0; i < ndim; i++) {
        int64_t reach = (shape[i] - 1) * strides[i] * itemsize;
        if (reach < 0) *lo += reach;
        else *hi += reach;
    }
}

/* A new C-contiguous NumPy array holding a copy of the taken tensor `t`. CUDA memory is copied to the
 * host as the one byte span the tensor touches, then NumPy gathers the strided elements from it. */
static PyObject *ta_tensor_to_numpy(const ta_dl_tensor *t, const char *name, PyObject *owner)
{
    PyObject *span = NULL, *strided = NULL, *result = NULL;
    const ta_elem_type *elem = ta_elem_by_dl(t->dtype);
    if (!elem) {
        char text[48];
        ta_dl_dtype_text(t->dtype, text, sizeof text);
        PyErr_Format(PyExc_TypeError, "%s has DLPack dtype %s, which NumPy cannot hold", name, text);
        return NULL;
    }
    if (t->ndim > NPY_MAXDIMS) {
        PyErr_Format(PyExc_ValueError, "%s has %d dimensions (NumPy holds at most %d)", name, t->ndim, NPY_MAXDIMS);
        return NULL;
    }
    npy_intp dims[NPY_MAXDIMS], byte_strides[NPY_MAXDIMS];
    int64_t strides[NPY_MAXDIMS], contiguous = 1, count = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] < 0) {
            PyErr_Format(PyExc_ValueError, "%s has a negative extent %lld in dimension %d", name,
                         (long long)t->shape[i], i);
            return NULL;
        }
        strides[i] = t->strides ? t->strides[i] : contiguous;
        contiguous *= t->shape[i];
        count *= t->shape[i];
        dims[i] = (npy_intp)t->shape[i];
        byte_strides[i] = (npy_intp)(strides[i] * elem->itemsize);
    }
    PyObject *descr = ta_elem_numpy_descr(elem);
    if (!descr) return NULL;
    if (count == 0)
        return PyArray_Empty(t->ndim, dims, (PyArray_Descr *)descr, 0); /* steals descr */
    int64_t lo, hi;
    ta_byte_span(t->ndim, t->shape, strides, elem->itemsize, &lo, &hi);
    const char *first = (const char *)t->data + t->byte_offset;
    if (t->device.device_type == TA_DL_CUDA) {
        npy_intp span_len = (npy_intp)(hi - lo);
        span = PyArray_SimpleNew(1, &span_len, NPY_UINT8);
        if (!span || ta_cuda_copy_to_host(PyArray_DATA((PyArrayObject *)span), first + lo, (size_t)(hi - lo),
                                          t->device.device_id) < 0)
            goto fail;
        first = (const char *)PyArray_DATA((PyArrayObject *)span) - lo;
    }
    Py_INCREF(descr);
    strided = PyArray_NewFromDescr(&PyArray_Type, (PyArray_Descr *)descr, t->ndim, dims, byte_strides,
                                   (void *)first, 0, NULL);
    if (!strided) goto fail;
    PyObject *base = span ? span : owner;
    Py_INCREF(base);
    if (PyArray_SetBaseObject((PyArrayObject *)strided, base) < 0) goto fail;
    result = PyArray_NewCopy((PyArrayObject *)strided, NPY_CORDER);
fail:
    Py_DECREF(descr);
    Py_XDECREF(strided);
    Py_XDECREF(span);
    return result;
}

/* ---- module functions ------------------------------------------------------------------------------ */

static PyObject *ta_py_dlpack_to_numpy(PyObject *self, PyObject *args)
{
    PyObject *obj;
    const char *name = "x";
    if (!PyArg_ParseTuple(args, "O|s:dlpack_to_numpy", &obj, &name)) return NULL;
    if (!PyObject_HasAttrString(obj, "__dlpack__")) {
        PyErr_Format(PyExc_TypeError, "%s must have __dlpack__ (got %s)", name, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    const ta_dl_tensor *tensor;
    PyObject *owner = ta_dlpack_take(obj, name, &tensor);
    if (!owner) return NULL;
    PyObject *result = ta_tensor_to_numpy(tensor, name, owner);
    Py_DECREF(owner);
    return result;
}

/* refuse_capture(obj, name, device_id): RuntimeError when obj's producer is capturing a CUDA graph on its
 * current stream, asked through the producer's exchange table (PyTorch) or of CuPy; other producers are not
 * asked. For a caller that allocates device memory before it imports obj (flashq_attention's prefill output):
 * in PyTorch's default capture mode that allocation would already invalidate the capture. */
static PyObject *ta_py_refuse_capture(PyObject *self, PyObject *args)
{
    PyObject *obj;
    const char *name;
    int device_id;
    if (!PyArg_ParseTuple(args, "Osi:refuse_capture", &obj, &name, &device_id)) return NULL;
    const ta_dl_exchange_api *api = ta_exchange_api(obj);
    void *stream = NULL;
    uintptr_t handle = 0;
    if (api && api->current_work_stream(TA_DL_CUDA, device_id, &stream) == 0)
        handle = (uintptr_t)stream;
    else if (!api && ta_producer_family(obj) == 2)
        handle = ta_cupy_current_stream();
    PyErr_Clear(); /* a table that cannot name its stream: the import asks again and reports */
    if (ta_cuda_refuse_capture(device_id, handle, name) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *ta_py_view_info(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"obj", "name", "writable", NULL};
    PyObject *obj, *keepalive = NULL;
    const char *name = "x";
    int writable = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|sp:view_info", kwlist, &obj, &name, &writable)) return NULL;
    ta_view4 v;
    int rc = writable ? ta_view_from_object_writable(obj, name, &v, &keepalive)
                      : ta_view_from_object(obj, name, &v, &keepalive);
    if (rc < 0) return NULL;
    PyObject *info = Py_BuildValue("(s(si)(LLLL)(LLLL)K)", ta_dtype_name(v.dtype), v.device == TA_CUDA ? "cuda" : "cpu",
                                   v.device_id, (long long)v.shape[0], (long long)v.shape[1], (long long)v.shape[2],
                                   (long long)v.shape[3], (long long)v.stride[0], (long long)v.stride[1],
                                   (long long)v.stride[2], (long long)v.stride[3],
                                   (unsigned long long)(uintptr_t)v.data);
    Py_DECREF(keepalive);
    return info;
}

PyMethodDef ta_buffer_methods[] = {
    {"view_info", (PyCFunction)(void (*)(void))ta_py_view_info, METH_VARARGS | METH_KEYWORDS,
     "view_info(obj, name='x', writable=False) -> (dtype, (device, id), shape, strides, data_ptr)\n\n"
     "How the C core sees a 4-D attention input (NumPy, DeviceArray or any __dlpack__ object); strides in\n"
     "elements. Raises what an entry point would raise for the same argument. For tests and debugging."},
    {"refuse_capture", ta_py_refuse_capture, METH_VARARGS,
     "refuse_capture(obj, name, device_id) -> None\n\nRuntimeError naming `name` when obj's producer (PyTorch through "
     "its DLPack exchange table, or CuPy) is capturing a CUDA graph on its current stream."},
    {"dlpack_to_numpy", ta_py_dlpack_to_numpy, METH_VARARGS,
     "dlpack_to_numpy(obj, name='x') -> numpy.ndarray\n\nA C-contiguous NumPy copy of any __dlpack__ object on "
     "CPU or CUDA (device-to-host copy)."},
    {"device_empty", (PyCFunction)(void (*)(void))ta_py_device_empty, METH_VARARGS | METH_KEYWORDS,
     "device_empty(shape, dtype='float32', device_id=0) -> DeviceArray\n\nUninitialised C-contiguous device memory."},
    {"device_from_numpy", (PyCFunction)(void (*)(void))ta_py_device_from_numpy, METH_VARARGS | METH_KEYWORDS,
     "device_from_numpy(array, device_id=0) -> DeviceArray\n\nA device copy of a NumPy array (host-to-device)."},
    {"device_to_numpy", ta_py_device_to_numpy, METH_O,
     "device_to_numpy(device_array) -> numpy.ndarray\n\nA host copy of a DeviceArray (device-to-host)."},
    {"cuda_device_count", ta_py_cuda_device_count, METH_NOARGS,
     "cuda_device_count() -> int\n\nVisible CUDA devices; 0 when built without CUDA, without a driver or device."},
    {"device_live_bytes", ta_py_device_live_bytes, METH_NOARGS,
     "device_live_bytes() -> int\n\nBytes of device memory currently held by DeviceArrays (leak checks in tests)."},
    {NULL, NULL, 0, NULL},
};

int ta_register_buffer_types(PyObject *module)
{
    if (PyType_Ready(&ta_dl_owner_type) < 0 || ta_device_array_ready() < 0) return -1;
    Py_INCREF(&ta_device_array_type);
    if (PyModule_AddObject(module, "DeviceArray", (PyObject *)&ta_device_array_type) < 0) {
        Py_DECREF(&ta_device_array_type);
        return -1;
    }
    return 0;
}
