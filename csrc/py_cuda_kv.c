/* Placeholder: filled in by its stage. */
#include "bindings.h"

PyMethodDef ta_cuda_kv_methods[] = {
    {NULL, NULL, 0, NULL},
};
