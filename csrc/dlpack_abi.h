/* The DLPack exchange structs (ABI version 1.x), declared here from the published layout so the build
 * needs no third-party header. Field order, widths and padding must match the producer's exactly;
 * the static asserts below pin the 64-bit layout every producer we meet (NumPy, PyTorch, CuPy) uses. */
#ifndef TA_DLPACK_ABI_H
#define TA_DLPACK_ABI_H

#include <stddef.h>
#include <stdint.h>

enum { TA_DL_CPU = 1, TA_DL_CUDA = 2, TA_DL_CUDA_HOST = 3 };                 /* DLDeviceType */
enum { TA_DL_INT = 0, TA_DL_UINT = 1, TA_DL_FLOAT = 2, TA_DL_BFLOAT = 4, TA_DL_BOOL = 6,
       TA_DL_COMPLEX = 5 };                                                    /* DLDataTypeCode */

#define TA_DL_FLAG_READ_ONLY ((uint64_t)1 << 0)
#define TA_DL_FLAG_IS_COPIED ((uint64_t)1 << 1)

#define TA_DL_MAJOR 1 /* the only managed-tensor layout we read; a different major must not be touched */

typedef struct {
    uint32_t major;
    uint32_t minor;
} ta_dl_version;

typedef struct {
    int32_t device_type; /* a C enum in the spec: int-sized on every ABI we build for */
    int32_t device_id;
} ta_dl_device;

typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} ta_dl_dtype;

typedef struct {
    void *data;
    ta_dl_device device;
    int32_t ndim;
    ta_dl_dtype dtype;
    int64_t *shape;
    int64_t *strides; /* in elements; NULL means C-contiguous */
    uint64_t byte_offset;
} ta_dl_tensor;

/* The legacy capsule payload ("dltensor"). */
typedef struct ta_dl_managed {
    ta_dl_tensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct ta_dl_managed *self);
} ta_dl_managed;

/* The versioned capsule payload ("dltensor_versioned"); version..flags stay put across majors. */
typedef struct ta_dl_managed_v {
    ta_dl_version version;
    void *manager_ctx;
    void (*deleter)(struct ta_dl_managed_v *self);
    uint64_t flags;
    ta_dl_tensor dl_tensor;
} ta_dl_managed_v;

#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(ta_dl_tensor) == 48, "DLTensor layout");
_Static_assert(offsetof(ta_dl_tensor, ndim) == 16 && offsetof(ta_dl_tensor, dtype) == 20, "DLTensor layout");
_Static_assert(offsetof(ta_dl_tensor, byte_offset) == 40, "DLTensor layout");
_Static_assert(sizeof(ta_dl_managed) == 64 && offsetof(ta_dl_managed, deleter) == 56, "DLManagedTensor layout");
_Static_assert(offsetof(ta_dl_managed_v, deleter) == 16 && offsetof(ta_dl_managed_v, flags) == 24 &&
               offsetof(ta_dl_managed_v, dl_tensor) == 32 && sizeof(ta_dl_managed_v) == 80,
               "DLManagedTensorVersioned layout");
#endif

/* The C exchange table (DLPack 1.2, `__dlpack_c_exchange_api__` on a producer's type): C functions that export
 * a Python tensor without the Python-level __dlpack__ call. Only the header is stable across versions; the
 * function slots below are those of major version 1, present from minor 2 on. */
typedef struct ta_dl_exchange_header {
    ta_dl_version version;
    struct ta_dl_exchange_header *prev_api;
} ta_dl_exchange_header;

typedef struct {
    ta_dl_exchange_header header;
    void *managed_tensor_allocator; /* not used here */
    /* An owning versioned tensor for py_object, with no stream synchronisation: 0, or -1 with an exception. */
    int (*managed_tensor_from_py_object_no_sync)(void *py_object, ta_dl_managed_v **out);
    void *managed_tensor_to_py_object_no_sync; /* not used here */
    void *dltensor_from_py_object_no_sync;      /* not used here (non-owning, may be NULL) */
    /* The producer's current stream on a device (NULL: its default stream): 0, or -1 with an exception. */
    int (*current_work_stream)(int32_t device_type, int32_t device_id, void **out_stream);
} ta_dl_exchange_api;

#define TA_DL_EXCHANGE_MINOR 2
#define TA_DL_EXCHANGE_CAPSULE "dlpack_exchange_api"

#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(offsetof(ta_dl_exchange_api, managed_tensor_from_py_object_no_sync) == 24 &&
               offsetof(ta_dl_exchange_api, current_work_stream) == 48, "DLPackExchangeAPI layout");
#endif

#define TA_DL_CAPSULE "dltensor"
#define TA_DL_CAPSULE_USED "used_dltensor"
#define TA_DL_CAPSULE_V "dltensor_versioned"
#define TA_DL_CAPSULE_V_USED "used_dltensor_versioned"

#endif
