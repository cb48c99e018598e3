/* The extension's method tables, one per source file, so each stage owns its bindings and module.c
 * only assembles them. */
#ifndef TA_BINDINGS_H
#define TA_BINDINGS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyMethodDef ta_quant_methods[];  /* py_quant.c: stage-1/stage-2 quantization, KV cache */
extern PyMethodDef ta_attn_methods[];   /* py_attn.c: attention, SAS */
extern PyMethodDef ta_cuda_methods[];    /* py_cuda.c: device info, CUDA quantization and prefill helpers */
extern PyMethodDef ta_cuda_kv_methods[]; /* py_cuda_kv.c: CUDA compressed KV cache and decode */
extern PyMethodDef ta_buffer_methods[]; /* dlpack.c: DLPack helpers */

/* dlpack.c: registers the DeviceArray type (device memory exported through __dlpack__). */
int ta_register_buffer_types(PyObject *module);

#endif
