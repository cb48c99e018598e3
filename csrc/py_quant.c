/* Placeholder: filled in by its stage. */
#include "bindings.h"

PyMethodDef ta_quant_methods[] = {
    {NULL, NULL, 0, NULL},
};
