/* Placeholder: filled in by its stage. */
#include "bindings.h"

PyMethodDef ta_attn_methods[] = {
    {NULL, NULL, 0, NULL},
};
