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

#define TA_DL_CAPSULE "dltensor"
#define TA_DL_CAPSULE_USED "used_dltensor"
#define TA_DL_CAPSULE_V "dltensor_versioned"
#define TA_DL_CAPSULE_V_USED "used_dltensor_versioned"

#endif
